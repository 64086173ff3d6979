# Kuzet: the two commands a newcomer needs are `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
# The embedded demo configuration: its own SQLite file under var/, synthetic data.
DEMO_DATABASE_URL ?= sqlite:///$(CURDIR)/var/demo.sqlite3
DEMO_ENV := KUZET_DEBUG=1 KUZET_DEMO=1 DATABASE_URL=$(DEMO_DATABASE_URL)
# Tests run with production-like settings (debug off); this key is for tests only.
TEST_ENV := KUZET_SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef KUZET_SSL_REDIRECT=0
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist: the suite runs on this many worker processes (0: all in one process); each
# test file stays on one worker (--dist loadfile), so a file's module fixtures start once.
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadfile

.PHONY: run test test-fast lint typecheck messages check-messages lock clean setup

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

## make run: install, migrate, load reference and demo data, serve on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/python -m kuzet.core.translations compile
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input -v0
	$(DEMO_ENV) $(BIN)/python manage.py load_library
	$(DEMO_ENV) $(BIN)/python manage.py load_demo_data
	@echo "Kuzet is starting on http://$(HOST):$(PORT)/ with a report worker (Ctrl-C stops both)"
	@# The worker of background jobs (reports) runs next to the server; it is stopped when the
	@# server stops, however that happens (Ctrl-C reaches both; the trap covers the rest).
	$(DEMO_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (DATABASE_URL picks the database; SQLite by default)
test: $(STAMP)
	$(BIN)/python -m kuzet.core.translations compile
	$(TEST_ENV) $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

## make test-fast: the daily subset, without the browser tests and those marked slow
test-fast: $(STAMP)
	$(BIN)/python -m kuzet.core.translations compile
	$(TEST_ENV) $(BIN)/pytest $(XDIST) -m "not browser and not slow and not fuzz" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(TEST_ENV) $(BIN)/mypy kuzet

## make messages: refresh the .po files after changing user-facing strings
messages: $(STAMP)
	cd kuzet && $(DEMO_ENV) ../$(BIN)/python ../manage.py makemessages -l ru -l kk --no-obsolete --ignore='*/tests/*'

## make check-messages: fail on any untranslated or fuzzy entry in ru and kk
check-messages: $(STAMP)
	$(BIN)/python -m kuzet.core.translations check

## make lock: re-resolve requirements.lock from pyproject.toml
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements.lock

clean:
	rm -rf $(VENV) var
