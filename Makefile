# The two newcomer commands (README.md): `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CYWATCH_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "chengyu-watch needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## run: the main job (embedded PostgreSQL unless DATABASE_URL is set)
run: $(VENV)/.installed
	$(BIN)/cywatch db migrate
	$(BIN)/cywatch baseline load
	$(BIN)/cywatch baseline show

## test: lint and the whole test suite (real PostgreSQL: local server or the embedded one)
test: $(VENV)/.installed lint
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .

bench: $(VENV)/.installed
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/digest.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
