# Maillage — `make run` to start the platform with demo data, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint lock format bench setup setup-db setup-browser setup-system migrations clean help

help:
	@echo "make run    - set up and serve http://127.0.0.1:$(PORT) with demo data"
	@echo "make test   - set up, lint and run the whole test suite"
	@echo "make bench  - run the benchmarks and print their tables (ARGS=\"analysis:B1 api\" for parts, ARGS=--quick)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is required ($(PYTHON) is $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/base.txt requirements/dev.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

setup-db: setup
	$(BIN)/maillage migrate --noinput
	$(BIN)/maillage load_territories
	$(BIN)/maillage load_demo

# Browser tests drive Debian's chromium through Playwright (no browser download).
setup-browser:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The PDF reports (WeasyPrint) need HarfBuzz's subsetting library, which not every machine has
# (without it WeasyPrint warns, and the suite turns warnings into errors).
setup-system:
	@/sbin/ldconfig -p | grep -q libharfbuzz-subset.so || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null; }

# The task worker runs beside the web server (large imports, regional plans), is started again
# whenever it exits (scripts/keep_alive.sh), and stops with the server.
run: setup-system setup-db
	$(BIN)/maillage compilemessages --ignore=.venv >/dev/null
	@echo "Demo accounts (development only), password demo-maillage-2026:"
	@echo "  demo-membre  - member of several demo places around Pau"
	@echo "  demo-equipe  - staff of the demo places around Pau"
	@echo "  demo-gestion - manager of the same places"
	@echo "Emails are written to var/mail/."
	@scripts/keep_alive.sh $(BIN)/maillage db_worker --no-reload -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/maillage runserver 127.0.0.1:$(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The suite runs on every core (pytest-xdist, one worker per core, work stolen by idle workers):
# each worker has its own test database and its own gunicorn for the concurrency tests.
PYTEST_PARALLEL = -n auto --dist worksteal

test: setup setup-system setup-browser lint
	$(BIN)/maillage makemigrations --check --dry-run
	$(BIN)/maillage compilemessages --ignore=.venv >/dev/null
	$(BIN)/pytest $(PYTEST_PARALLEL)

bench: setup
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/bench.txt
	$(BIN)/python -m benchmarks $(ARGS)

# The .in files are the source of truth; this pins every package with its hashes again, keeping
# the versions already locked unless an .in file asks for another (dev and bench read base's pins).
lock: $(BIN)/python
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	cd requirements && for name in base dev bench data; do \
		../$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 $$name.in -o $$name.txt || exit 1; \
	done

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
