# One front door: make dev | lint | typecheck | test | bench | demo | docs
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.core
STAMP := $(VENV)/.installed

.PHONY: dev lint typecheck test test-fast bench demo docs clean

# The core install (enough for the demo) and the development install (tests, peers, Spark).
$(CORE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(CORE)

$(STAMP): $(CORE)
	$(BIN)/pip install --quiet -e '.[dev,server,spark]'
	touch $(STAMP)

dev: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check mohtasib tests bench docs examples
	$(BIN)/ruff format --check mohtasib tests bench docs examples

typecheck: $(STAMP)
	$(BIN)/mypy

# The full suite: lint, types, then pytest with warnings as errors (set in pyproject).
test: lint typecheck
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not spark and not browser"

bench: $(STAMP)
	$(BIN)/python bench/fairness_audit.py
	$(BIN)/python bench/biometrics.py
	$(BIN)/python bench/ledger.py

demo: $(CORE)
	$(BIN)/mohtasib demo --out demo-report

docs: $(STAMP)
	$(BIN)/python docs/generate.py

clean:
	rm -rf $(VENV) demo-report .pytest_cache .mypy_cache .ruff_cache
