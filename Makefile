# Two set-up commands: `make quiz` and `make test`. Each builds .venv when
# pyproject.toml changes and does nothing more on a re-run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: quiz test lint bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q src >/dev/null  # .pyc even under PYTHONDONTWRITEBYTECODE
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

quiz: $(STAMP)
	$(BIN)/srcquiz

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/srcquiz lint --strict decks

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

fuzz: $(TEST_STAMP)
	SRCQUIZ_FUZZ=long $(BIN)/python -m pytest tests/test_fuzz.py tests/test_durability.py -q

clean:
	rm -rf $(VENV)
