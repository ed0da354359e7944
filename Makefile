# Lianqin — the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/lianqin
TEST_ENV = LIANQIN_DATA_DIR=$(CURDIR)/.test-data LIANQIN_SECRET_KEY=test-only-not-secret

ASSETS = src/lianqin/console/static/vendor/VERSIONS.json

MESSAGE_APPS = console public field duty dashboard accounts

.PHONY: install assets messages demo serve test test-sqlite test-postgres lint bench clean

install: $(BIN)/.installed $(ASSETS)

assets: $(ASSETS)  ## htmx, Leaflet, ECharts from the npm registry (package-lock.json), into the package

$(ASSETS): package-lock.json $(BIN)/.installed
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(BIN)/python -m lianqin.console.vendor

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

messages: install  ## extract the interface's texts into each app's locale/en .po, compile the .mo (needs gettext)
	for app in $(MESSAGE_APPS); do (mkdir -p src/lianqin/$$app/locale && cd src/lianqin/$$app && \
	  LIANQIN_DATA_DIR=$(CURDIR)/.test-data LIANQIN_SECRET_KEY=x DJANGO_SETTINGS_MODULE=lianqin.settings \
	  $(CURDIR)/$(BIN)/django-admin makemessages -l en --no-location && \
	  msgfmt -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po); done

demo: install  ## build the demo district (embedded SQLite) and serve it on http://127.0.0.1:8000/
	$(BIN)/lianqin demo

test: install lint  ## everything CI checks, on SQLite and PostgreSQL (the two runs side by side)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	$(TEST_ENV) $(BIN)/pytest

test-postgres: install
	$(TEST_ENV) LIANQIN_DATA_DIR=$(CURDIR)/.test-data-pg LIANQIN_DATABASE_URL=$(PG_URL) $(BIN)/pytest tests/integration

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/mypy src
	$(TEST_ENV) $(BIN)/python -m django makemigrations --check --dry-run --settings=lianqin.settings

bench: install  ## benchmarks/README.md: results go to benchmarks/results.md
	$(TEST_ENV) $(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .test-data node_modules src/lianqin/console/static/vendor
