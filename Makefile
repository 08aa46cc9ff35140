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

# Every speed benchmark of bench/ (scoring, votes, certificates and the registry, the council
# room at 70 and 200 members, the dashboard at 200,000 structures; SQLite and PostgreSQL), then
# the table at the top of docs/performance.md rewritten with the machine it ran on. About 25 min:
# give it the machine alone. `bench/run_all.py --quick` checks the pipeline in a few minutes.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

format: $(STAMP)
	$(BIN)/ruff format cdess tests bench
	$(BIN)/ruff check --fix cdess tests bench

demo: $(STAMP)
	$(FLASK) demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# French is the source language: the msgids are the French text, each catalogue under
# cdess/translations/<locale>/ gives its language. This extracts the strings of the code and the
# templates, adds the new ones to each catalogue (a new language: add it to LOCALES and to
# LANGUAGES in cdess/config.py), then compiles the .mo files, which are committed so that a fresh
# clone or a `pip install` serves them with no other step (tests/test_translations.py checks
# that they match the .po). No fuzzy matching: a guess from a similar French string is often
# wrong; a new string comes in untranslated, and the test names it until it is translated.
TRANSLATIONS := cdess/translations
LOCALES := en
translations: $(STAMP)
	$(BIN)/pybabel -q extract -F $(TRANSLATIONS)/babel.cfg -k _l -k N_ --no-location \
	  --sort-output --project cdess -o $(TRANSLATIONS)/messages.pot .
	for locale in $(LOCALES); do \
	  $(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$locale \
	    --init-missing --no-fuzzy-matching --ignore-obsolete || exit 1; \
	done
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
