# The two newcomer commands (README.md): `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CYWATCH_DATA_DIR ?= $(CURDIR)/var

.PHONY: run demo test lint bench clean compose-tool

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "chengyu-watch needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## run: one full cycle (crawl the real sites, diff, digest) on the embedded defaults
DEMO_EMAIL ?= you@example.com
run: $(VENV)/.installed
	@$(BIN)/cywatch subscribers add $(DEMO_EMAIL) --operator >/dev/null
	@$(BIN)/cywatch run || echo "note: the cycle finished, but some steps failed (see above; cywatch status has the details)"

## demo: the same cycle offline, against the bundled copy of the sites (tests/fixtures/sites)
DEMO_PORT ?= 8800
demo: export CYWATCH_DATA_DIR = $(CURDIR)/var/demo
demo: $(VENV)/.installed
	@$(BIN)/cywatch subscribers add $(DEMO_EMAIL) --operator >/dev/null
	@$(BIN)/cywatch mirror --port $(DEMO_PORT) >/dev/null & pid=$$!; sleep 1; \
	  $(BIN)/cywatch run --date 2024-08-12 --mirror http://127.0.0.1:$(DEMO_PORT); status=$$?; \
	  kill $$pid; exit $$status

## test: lint and the whole test suite (real PostgreSQL: local server or the embedded one)
test: $(VENV)/.installed lint compose-tool
	$(BIN)/python -m pytest -q

# The compose tests validate docker-compose.yml with Debian's docker-compose; installed here when we may.
compose-tool:
	@command -v docker-compose >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q docker-compose >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q docker-compose >/dev/null 2>&1; }; }; } || \
	  echo "note: docker-compose is not installed (needs root and apt): the compose validation test will be skipped"

lint: $(VENV)/.installed
	$(BIN)/ruff check .

bench: $(VENV)/.installed
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/digest.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
