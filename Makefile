# One front door: make dev | lint | typecheck | test | bench | demo | docs
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.core
STAMP := $(VENV)/.installed

.PHONY: dev lint typecheck test test-fast bench demo docs eval-pii clean

# The core install (enough for the demo) and the development install (tests, peers, Spark).
# setup.py builds the ledger's optional C extension (gcc, python3-dev, libsodium-dev,
# libssl-dev); without them the install goes on and the ledger seals in Python.
$(CORE): pyproject.toml setup.py mohtasib/ledger/_fast.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[server]'
	touch $(CORE)

# pycanon (a test-only oracle for the anonymity checks) pins exact versions of numpy and scipy,
# so it is installed without its dependencies; what it imports is already installed.
$(STAMP): $(CORE)
	$(BIN)/pip install --quiet -e '.[dev,server,spark,faces]'
	$(BIN)/pip install --quiet --no-deps 'pycanon==1.3.6' 'tabulate>=0.9'
	touch $(STAMP)

dev: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check mohtasib tests bench docs examples setup.py
	$(BIN)/ruff format --check mohtasib tests bench docs examples setup.py

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
	$(BIN)/python bench/privacy.py
	$(BIN)/python bench/privacy_dp.py
	$(BIN)/python bench/privacy_anonymity.py
	$(BIN)/python bench/attention.py
	$(BIN)/python bench/forecast.py --opencp /tmp/opencp-venv/bin/python
	$(BIN)/python bench/feedback.py
	$(BIN)/python bench/portal.py

# Precision, recall and F1 of the PII recognizers on the SYNTHETIC evaluation set.
eval-pii: $(STAMP)
	$(BIN)/python tests/privacy/eval/evaluate.py

# Write the demo audit report, then serve the portal on it (Ctrl-C stops it).
demo: $(CORE)
	$(BIN)/mohtasib demo --out demo-report
	$(BIN)/mohtasib serve --demo --report-dir demo-report

docs: $(STAMP)
	$(BIN)/python docs/generate.py

clean:
	rm -rf $(VENV) demo-report .pytest_cache .mypy_cache .ruff_cache
