# newsflow: `make demo` runs the pipeline on the seeds; `make test` runs every test tier.
# Both set up everything they need from a fresh clone: the virtualenv, the Python packages
# (spaCy's English model included), and the Kafka broker + PostgreSQL server they use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --quiet --disable-pip-version-check
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
LOCK_FLAGS := --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)
BUILD_REQUIRES := $(PYTHON) -c "import tomllib; \
	print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')"
# Print the dev extra's requirement for the package named by argv[1].
export DEV_PIN := import sys, tomllib; \
	dev = tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['dev']; \
	print(next(r for r in dev if r.split('==')[0] == sys.argv[1]))

.PHONY: install lock demo test lint unit clean browser promtool

# The virtualenv holds exactly what requirements-dev.lock pins (hash-checked), then this project
# (editable, no dependencies of its own). It is rebuilt from scratch whenever the lock or
# pyproject.toml changes, so nothing a previous lock installed lingers. The lock lists every
# package, so pip resolves nothing (--no-deps) and `pip check` then proves the set complete:
# resolving, the pip that Python 3.11's venv brings (23.2) read a dependency's extra
# (justext's `lxml[html_clean]>=4.4.2`) as an unpinned requirement and failed as soon as PyPI
# had an lxml newer than the pin.
install: $(VENV)/.installed

$(VENV)/.installed: $(DEV_LOCK) pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(PIP) install --require-hashes --no-deps -r $(DEV_LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	@$(PIP) check || { echo "make install: $(DEV_LOCK) does not satisfy pyproject.toml: run make lock" >&2; exit 1; }
	touch $@

# Regenerate both lock files from pyproject.toml (its dependencies, the dev extra and the build
# backend), for every platform, with hashes. Pins already in the lock are kept unless a
# requirement forces a change; `make lock UPGRADE=1` moves everything to the newest allowed.
# requirements.lock (the image: no dev tools) is constrained to the dev lock's pins, so the two
# never disagree.
lock: $(BIN)/uv
	$(BUILD_REQUIRES) | $(BIN)/uv pip compile $(LOCK_FLAGS) --extra dev pyproject.toml - -o $(DEV_LOCK)
	$(BUILD_REQUIRES) | $(BIN)/uv pip compile $(LOCK_FLAGS) -c $(DEV_LOCK) pyproject.toml - -o $(LOCK)

# uv at the version the dev extra pins, without the rest of the lock (which may be stale).
$(BIN)/uv: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install "$$($(PYTHON) -c "$$DEV_PIN" uv)"
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

test: lint browser promtool
	$(BIN)/pytest

# Debian packages some tests drive, installed when missing and we are root with apt:
# $(call apt_install,commands that must exist,packages that bring them[,apt-get options]).
define apt_install
	@if $(foreach command,$(1),command -v $(command) >/dev/null &&) true; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(3) $(2); \
	else \
		echo "make $@: install $(2) (apt-get install $(2))" >&2; \
	fi
endef

# The viewer's browser test drives Debian's chromium with its chromedriver (no browser download).
browser:
	$(call apt_install,chromium chromedriver,chromium chromium-driver)

# The alert rules' checks and unit tests run Debian's promtool, from its prometheus package
# (without the recommended node exporter: the tests run promtool only, never a server).
promtool:
	$(call apt_install,promtool,prometheus,--no-install-recommends)

clean:
	-$(BIN)/newsflow stack down
	-$(BIN)/newsflow stack down --brokers 3
	rm -rf .stack
