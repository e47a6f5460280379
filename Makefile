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
# Local development only: `make run` serves with DEBUG on and a throwaway key.
RUN_ENV := DJANGO_DEBUG=1

.PHONY: help install run serve migrate demo test lint format check-migrations browser bench bench-quick clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

static/css/app.css: node_modules/.package-lock.json $(wildcard static/src/*)
	npm run --silent build

install: $(VENV)/.installed static/css/app.css ## Create .venv, install Python and npm packages, build assets (idempotent)

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

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Fix lint and formatting where ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install ## Fail if models changed without a migration
	DJANGO_SECRET_KEY=check $(MANAGE) makemigrations --check --dry-run

test: install browser lint check-migrations ## Everything: install, chromium, ruff, migrations check, the whole pytest suite
	$(BIN)/pytest

# Production-like settings (DEBUG off, no SSL redirect on plain HTTP in-process); each database's
# suites run in a child process with its own DATABASE_URL (see frameworks/management/commands/bench.py).
BENCH_ENV := DJANGO_SECRET_KEY=bench DJANGO_ALLOWED_HOSTS=testserver,127.0.0.1 \
	DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_STATIC_MANIFEST=0 DJANGO_STATIC_ROOT=$(CURDIR)/var/bench-static \
	DATABASE_URL=sqlite:///$(CURDIR)/var/bench.sqlite3

bench: install ## Benchmarks on SQLite and PostgreSQL (pages, import, report, load run): bench/results.json and a table
	@mkdir -p var/bench-static
	$(BENCH_ENV) $(MANAGE) bench

bench-quick: install ## The same benchmarks on smaller data (under a minute)
	@mkdir -p var/bench-static
	$(BENCH_ENV) $(MANAGE) bench --quick

clean: ## Remove the venv, node_modules and built assets
	rm -rf $(VENV) node_modules static/css static/vendor static/assets staticfiles
