# Two commands for a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per dependency set and pyproject.toml version: editing pyproject reinstalls.
SUM    := $(shell cksum pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1:8000

.PHONY: install install-test run test lint messages bench-import bench-seed bench-engine bench-plan bench-api clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-$(SUM): | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.test-$(SUM): | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	@touch $@ $(VENV)/.run-$(SUM)

install: $(VENV)/.run-$(SUM)
install-test: $(VENV)/.test-$(SUM)

# Web server, Celery worker and beat from the Procfile (honcho); one Ctrl-C stops all three.
# With no CELERY_BROKER_URL they share the embedded filesystem broker (var/celery/).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap
	PATH="$(abspath $(BIN)):$$PATH" BIND=$(HOST) ZAPAS_EMBEDDED_BROKER=true $(BIN)/honcho start

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench-import: install-test
	$(BIN)/python bench/import_sales.py

bench-seed: install-test
	$(BIN)/python bench/seed_demo.py

bench-engine: install-test
	$(BIN)/python bench/engine_speed.py
	$(BIN)/python bench/engine_accuracy.py

bench-plan: install-test
	$(BIN)/python bench/plan_run.py

bench-api: install-test
	$(BIN)/python bench/api_load.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles var

# Re-extract the catalogues (needs GNU gettext) and compile them with Babel (Python only).
messages: install-test
	$(BIN)/python manage.py model_labels
	$(BIN)/python manage.py makemessages -l ru -l zh_Hans -l en --no-obsolete --ignore .venv --ignore staticfiles --ignore var --ignore bench --ignore "*/tests/*" --ignore tests
	$(BIN)/python manage.py makemessages -d djangojs -l ru -l zh_Hans -l en --no-obsolete --ignore .venv --ignore staticfiles --ignore var
	$(BIN)/python manage.py compile_catalogues
