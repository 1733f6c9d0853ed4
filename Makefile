# newsflow: `make demo` runs the pipeline on the seeds; `make test` runs every test tier.
# Both set up everything they need from a fresh clone: the virtualenv, the Python packages
# (spaCy's English model included), and the Kafka broker + PostgreSQL server they use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint unit clean

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

test: lint
	$(BIN)/pytest

clean:
	-$(BIN)/newsflow stack down
	rm -rf .stack
