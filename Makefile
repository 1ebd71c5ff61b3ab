# Every target that needs Python creates .venv first, so a fresh clone needs only `make`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: demo test bench lint dist clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,server]'
	touch $(STAMP) $@

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

$(BENCH_STAMP): $(TEST_STAMP)
	$(BIN)/pip install -q -e '.[test,server,bench]'
	touch $@

# Every benchmark, then one summary table of the goals; figures in bench/results/latest.json,
# the chart in docs/benchmarks.png.
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --chart
	$(BIN)/python bench/soak.py --short

# An sdist and a wheel in dist/; tests/test_package.py installs such a wheel in a fresh venv.
dist: $(TEST_STAMP)
	rm -rf dist
	$(BIN)/python -m build

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist src/*.egg-info
