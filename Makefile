# The targets a person uses; CI (.ci/run) calls the same ones.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install demo serve test test-sqlite test-postgres deploy-check lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Build the demo vendor on the embedded SQLite database and serve it on http://127.0.0.1:8000
demo: install
	$(BIN)/tenure demo

serve: install
	$(BIN)/tenure serve

## Lint, import layers, migrations check, the whole suite on SQLite and, beside it, on PostgreSQL (skipped if none
## is running, unless CI)
test: install lint
	scripts/ensure-chromium
	scripts/test-all -q

test-sqlite: install
	$(BIN)/pytest -q

test-postgres: install
	scripts/test-postgres -q

## The production layout run for real (PostgreSQL, Redis, 2 web, 2 workers, one of each killed); the PostgreSQL pass runs it too
deploy-check: install
	scripts/deploy-check

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	TENURE_DATA_DIR=$$(mktemp -d) $(BIN)/tenure makemigrations --check --dry-run

bench: install
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
