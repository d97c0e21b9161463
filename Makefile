# LibChat: `make run` starts the whole service, `make test` runs everything CI runs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# Test processes side by side (pytest-xdist) for all but the browser tests; each has its own
# Redis database and var/ folder.
TEST_WORKERS ?= 2

.PHONY: run test lint format install install-dev clean bench bench-quick bench-soak

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py run

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The browser tests run two at a time too, after the rest: each worker has its own daphne per
# test, its own database and Redis database. (Their stalls came from the dashboard's reload
# flashing presence, since fixed: accounts.services.connection_close.)
test: lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "not browser"
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m browser
	$(PY) -m bench.run --quick

clean:
	rm -rf var $(VENV)

bench: install-dev
	$(PY) -m bench.run

bench-quick: install-dev
	$(PY) -m bench.run --quick

# 30 minutes of steady mixed load on daphne, a Celery worker and beat: memory, PostgreSQL
# connections and Redis clients must stay flat and the logs clean. Not in CI or `make test`;
# SOAK_MINUTES=2 tries it first.
SOAK_MINUTES ?= 30
bench-soak: install-dev
	$(PY) -m bench.run --soak --soak-minutes $(SOAK_MINUTES)
