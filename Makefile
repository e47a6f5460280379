# Action Tracker. `make run` to try it, `make test` to check it. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Local development only: `make run` serves with DEBUG on and a throwaway key, and the demo logins
# sign in with their password alone (production asks the policy team, democratic services and
# admins to set up MFA: ACCOUNTS_MFA_REQUIRED_FOR).
RUN_ENV := DJANGO_DEBUG=1 ACCOUNTS_MFA_REQUIRED_FOR=

.PHONY: help install run serve migrate demo test lint format typecheck check-migrations browser nginx bench bench-quick clean lock upgrade

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Python packages come from the lock, every one pinned with its hashes (see `make lock`); then the
# project itself, built by the locked setuptools.
$(VENV)/.installed: pyproject.toml requirements/dev.lock | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

static/css/app.css: node_modules/.package-lock.json $(wildcard static/src/*)
	npm run --silent build

install: $(VENV)/.installed static/css/app.css ## Create .venv, install Python and npm packages, build assets (idempotent)

# The locks, with hashes, for Python 3.11 on Linux x86_64: requirements/prod.lock (the product's
# dependencies, for a deployment) and requirements/dev.lock (with the dev and bench extras; the
# packages both hold are at prod.lock's versions). Each also pins pip and setuptools
# (requirements/build.in). `make lock` keeps every pin that still fits pyproject.toml.
LOCK := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock"

lock: $(VENV)/.installed ## Write requirements/*.lock from pyproject.toml (after changing its dependencies)
	$(LOCK) $(LOCK_ARGS) pyproject.toml requirements/build.in -o requirements/prod.lock
	$(LOCK) $(LOCK_ARGS) pyproject.toml requirements/build.in --extra dev --extra bench \
	  -c requirements/prod.lock -o requirements/dev.lock

upgrade: ## Write the locks again with every package at its newest version; then `make test`
	$(MAKE) lock LOCK_ARGS=--upgrade

# The benchmarks' own tools (pyproject's `bench` extra: Locust), never a product dependency.
# requirements/dev.lock carries them; this installs the extra only if they are missing.
$(VENV)/.bench-installed: pyproject.toml $(VENV)/.installed
	@$(BIN)/pip show --quiet locust >/dev/null 2>&1 || $(BIN)/pip install --quiet -e ".[dev,bench]"
	@touch $@

migrate: install ## Apply database migrations
	@mkdir -p var
	$(RUN_ENV) $(MANAGE) migrate --no-input

demo: migrate ## Load the demo data built from the council papers (idempotent)
	$(RUN_ENV) $(MANAGE) load_demo

run: demo ## Install, migrate, load the demo and serve on http://127.0.0.1:8000
	@echo "Serving on http://$(HOST):$(PORT)/ – sign in with a demo login above. Ctrl+C to stop."
	@# The background worker (large board-report PDFs) runs beside the web server.
	$(RUN_ENV) $(MANAGE) db_worker --queue-name default >var/worker.log 2>&1 & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(RUN_ENV) $(MANAGE) runserver $(HOST):$(PORT)

browser: ## Install Debian's chromium for the browser tests if it is missing
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

nginx: ## Install Debian's nginx for the benchmarks' load run if it is missing
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  echo "Installing Debian nginx for the load run"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Fix lint and formatting where ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install ## Fail if models changed without a migration
	DJANGO_SECRET_KEY=check $(MANAGE) makemigrations --check --dry-run

typecheck: install ## mypy with django-stubs on the product's code (frameworks/, tracker/)
	DJANGO_SECRET_KEY=typecheck $(BIN)/mypy

# pytest-xdist: the suite on as many workers as the machine has cores (each with its own test
# database and browser); on CI's two cores, a fifth faster than one worker on either database.
# `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto

test: install browser lint typecheck check-migrations ## Everything: install, chromium, ruff, mypy, migrations check, the whole pytest suite
	$(BIN)/pytest -n $(TEST_WORKERS)

# Production-like settings (DEBUG off, no SSL redirect on plain HTTP in-process); each database's
# suites run in a child process with its own DATABASE_URL (see bench/run.py). The benchmarks are
# a plain folder beside the product (`python -m bench`), not a Django app or a management command.
BENCH_ENV := DJANGO_SECRET_KEY=bench DJANGO_ALLOWED_HOSTS=testserver,127.0.0.1 \
	DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_STATIC_MANIFEST=0 DJANGO_STATIC_ROOT=$(CURDIR)/var/bench-static \
	DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3

bench: install $(VENV)/.bench-installed nginx ## Benchmarks on SQLite and PostgreSQL (pages, import, report, agenda pack, Locust load run): bench/results.json and a table
	@mkdir -p var/bench-static
	$(BENCH_ENV) $(PY) -m bench

bench-quick: install $(VENV)/.bench-installed nginx ## The same benchmarks on smaller data
	@mkdir -p var/bench-static
	$(BENCH_ENV) $(PY) -m bench --quick

clean: ## Remove the venv, node_modules and built assets
	rm -rf $(VENV) node_modules static/css static/vendor static/assets staticfiles
