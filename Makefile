# qcplan: every target creates .venv and installs the package into it when needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.qcplan-installed

.PHONY: help install reports validate test test-fast lint bench clean ingest-public

help:
	@echo "make reports   run every pillar x scenario report on the shipped data (reports/latest)"
	@echo "make test      run the whole test suite (unit, property, notebooks, end to end, browser)"
	@echo "make validate  check the plan folder data/ (plan.yaml, tables, scenarios); summary"
	@echo "make bench     backtest and speed benchmarks (prints figures)"
	@echo "make lint      ruff"
	@echo "make ingest-public  feed data/incoming/real_figures_2026.csv (published figures) to qcplan ingest"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

reports: $(STAMP)
	$(BIN)/qcplan run --out reports --lang both

validate: $(STAMP)
	$(BIN)/qcplan validate

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-cell-timeout=300 -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow and not browser"

# The published figures of ../shared/data/real_figures_2026.csv that belong to the shipped plan,
# as selected by data/scripts/select_public_figures.py; ingesting them again changes nothing.
ingest-public: $(STAMP)
	$(BIN)/qcplan ingest --public --received 2026-12-03 data/incoming/real_figures_2026.csv

lint: $(STAMP)
	$(BIN)/ruff check qcplan tests bench

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) reports .pytest_cache
