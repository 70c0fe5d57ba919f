# Communiqué: everything from a fresh clone needs only python3 (3.11+) and make.
#
#   make run     migrate, load the demo data and serve (HOST, PORT, DATABASE_URL honoured)
#   make test    ruff and mypy, then the whole test suite (TEST_DATABASE_URL picks PostgreSQL)
#   make lint    ruff (lint + format check) and mypy
#   make bench   the benchmarks (BENCH_ARGS passed on: --db sqlite, --scale, --only KEY,…)
#   make clean   caches and build leftovers; `make distclean` also drops .venv and var/

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run test lint bench clean distclean

help:
	@echo "targets: run test lint bench clean distclean"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's metadata changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/communique migrate
	$(BIN)/communique seed
	$(BIN)/communique serve

test: $(STAMP)
	$(BIN)/ruff check app tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/mypy

# The bench's own tools (Datasette as the SQLite peer, pyinstrument for bench.profile).
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .mypy_cache build dist *.egg-info bench/out

distclean: clean
	rm -rf $(VENV) var
