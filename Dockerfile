# One image for every newsflow command: workers, topic and database setup, publish/consume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin newsflow

WORKDIR /app

# Dependencies first, read from pyproject.toml, so a source-only change reuses this layer
# (spaCy and its English model are most of the image).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY --chown=newsflow:newsflow . ./
RUN pip install --no-deps . && rm -rf build ./*.egg-info && chown newsflow:newsflow /app

# /app belongs to the newsflow user: Faust keeps its per-app data directories in the working directory.
USER newsflow

CMD ["newsflow", "--help"]
