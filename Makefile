# newsflow: `make demo` runs the pipeline on the seeds; `make test` runs every test tier.
# Both set up everything they need from a fresh clone: the virtualenv, the Python packages
# (spaCy's English model included), and the Kafka broker + PostgreSQL server they use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint unit clean browser

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Docker engine answering: Kafka, PostgreSQL and the stages run in docker compose, and the
# demo publishes from here. Otherwise `newsflow demo` starts the local stack and the workers.
demo: install
	@if docker info >/dev/null 2>&1; then \
		docker compose up --detach --build --wait kafka postgres && \
		docker compose up --detach clean entities quotes sink && \
		$(BIN)/newsflow demo --no-stack --no-workers; \
	else \
		$(BIN)/newsflow demo; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit

test: lint browser
	$(BIN)/pytest

# The viewer's browser test drives Debian's chromium with its chromedriver (no browser download).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else \
		echo "make browser: install chromium and chromium-driver (apt-get install chromium chromium-driver)" >&2; \
	fi

clean:
	-$(BIN)/newsflow stack down
	-$(BIN)/newsflow stack down --brokers 3
	rm -rf .stack
