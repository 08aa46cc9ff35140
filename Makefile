# cdess — the two commands of the Quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
FLASK := $(BIN)/flask --app cdess

.PHONY: run test e2e lint bandit format demo clean bench translations mutation

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(FLASK) init-db
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest

e2e: $(STAMP)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian) and retry."; exit 1; fi; \
	fi
	CDESS_REQUIRE_BROWSER=1 $(BIN)/pytest tests/e2e

lint: $(STAMP) bandit
	$(BIN)/ruff check cdess tests bench migrations
	$(BIN)/ruff format --check cdess tests bench

# Security lint of the application code: fails on a finding of medium severity or more (low ones
# are justified inline with `# nosec BXXX  # why`); settings in pyproject.toml [tool.bandit].
bandit: $(STAMP)
	$(BIN)/bandit -c pyproject.toml -r cdess -ll -q

# Mutation testing of the pure rule modules, each against its own tests (mutmut, a few
# minutes on two cores); writes docs/quality.md, which tests/test_quality.py keeps current.
mutation: $(STAMP)
	$(BIN)/python bench/mutation.py

format: $(STAMP)
	$(BIN)/ruff format cdess tests bench
	$(BIN)/ruff check --fix cdess tests bench

demo: $(STAMP)
	$(FLASK) demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# French is the source language; this refreshes the template other catalogs start from.
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F cdess/translations/babel.cfg -k _l -k N_ --no-location \
	  --sort-output -o cdess/translations/messages.pot .
