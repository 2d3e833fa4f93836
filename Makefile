# Shuxiang (书香). `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help install run test test-sqlite test-postgres lint format bench bench-quick messages clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt scripts/browser_libs.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python scripts/browser_libs.py
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install Shuxiang with its pinned dependencies

run: $(STAMP)  ## install, create the database, seed the demo school if empty, serve on :8000
	$(BIN)/shuxiang setup
	$(BIN)/shuxiang demo --if-empty
	$(BIN)/shuxiang serve --host $(HOST) --port $(PORT)

test: $(STAMP)  ## install and run every test (SQLite, then PostgreSQL where installed)
	$(BIN)/python scripts/run_tests.py

test-sqlite: $(STAMP)  ## the suite on SQLite only
	$(BIN)/python scripts/run_tests.py --sqlite-only

lint: $(STAMP)  ## ruff lint and format check, and no untranslated UI string
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/python scripts/messages.py --check

format: $(STAMP)  ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: $(STAMP)  ## run the benchmarks in bench/ at the sizes the issues state (prints figures and ratios)
	$(BIN)/python bench/run_all.py

bench-quick: $(STAMP)  ## the benchmarks at a small size, for a quick look
	$(BIN)/python bench/run_all.py --quick

messages: $(STAMP)  ## extract UI strings into the English catalogs and compile them
	$(BIN)/python scripts/messages.py

clean:  ## remove the virtual environment and test databases (keeps var/shuxiang.sqlite3)
	rm -rf $(VENV) var/test* .pytest_cache
