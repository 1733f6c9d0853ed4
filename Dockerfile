# One image for every newsflow command: workers, topic and database setup, publish/consume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin newsflow

WORKDIR /app

# Dependencies first, exactly as requirements.lock pins them (hash-checked; `make lock` writes
# it from pyproject.toml), so a source-only change reuses this layer (spaCy and its English
# model are most of the image). The lock holds the build backend too, so the project itself
# then installs with no download at all. --no-deps: the lock lists every package (see the
# Makefile's install for why pip must not resolve); `pip check` proves the set complete.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock && pip check

COPY --chown=newsflow:newsflow . ./
RUN pip install --no-deps --no-build-isolation . && rm -rf build ./*.egg-info \
    && chown newsflow:newsflow /app

# /app belongs to the newsflow user: Faust keeps its per-app data directories in the working directory.
USER newsflow

CMD ["newsflow", "--help"]
