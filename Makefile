# Two set-up commands: `make quiz` and `make test`. Each builds .venv when
# pyproject.toml or the lock changes and does nothing more on a re-run. Every
# package comes at the version in requirements.lock (`make lock` refreshes it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
PIP := $(BIN)/python -m pip install --quiet -c $(LOCK)
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: quiz test lint bench fuzz anki-check lock clean

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) pip
	$(PIP) -e '.[anki]'
	$(BIN)/python -m compileall -q src >/dev/null  # .pyc even under PYTHONDONTWRITEBYTECODE
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) -e '.[test]'
	touch $@

quiz: $(STAMP)
	$(BIN)/srcquiz

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/srcquiz lint --strict decks

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

fuzz: $(TEST_STAMP)
	SRCQUIZ_FUZZ=long $(BIN)/python -m pytest tests/test_fuzz.py tests/test_durability.py -q

# Every bundled card in Anki desktop's own reviewer at phone width (400 px): no side
# scrolls sideways. Needs Anki desktop (aqt, PyQt6: a large download), so not in make test.
AQT_VENV := .venv-aqt
anki-check: $(TEST_STAMP)
	test -x $(AQT_VENV)/bin/python || $(PYTHON) -m venv $(AQT_VENV)
	$(AQT_VENV)/bin/python -m pip install --quiet "aqt[qt6]==$$(sed -n 's/^anki==//p' $(LOCK))"
	QT_QPA_PLATFORM=offscreen SRCQUIZ_AQT_PYTHON=$(AQT_VENV)/bin/python \
	  $(BIN)/python -m pytest -n 0 tests/anki/test_anki_export.py -k reviewer

# A fresh venv resolves pyproject.toml's ranges anew; its versions become the lock.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --upgrade pip
	.lockenv/bin/python -m pip install --quiet -e '.[test]'
	{ echo "# The versions make installs (pip -c): refresh with \`make lock\` after changing pyproject.toml."; \
	  echo "# Made by pip freeze in a venv of CPython 3.11 holding srcquiz[test]."; \
	  .lockenv/bin/python -m pip freeze --all --exclude-editable; } > $(LOCK)
	rm -rf .lockenv

clean:
	rm -rf $(VENV)
