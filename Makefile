# finmodel: `make run` sets up and starts the web app on 127.0.0.1:8050 with the default
# scenario; `make test` sets up and runs the tests; `make cli` runs the default scenario
# from the command line into out/.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/dormant_deposit_fund.yaml
OUT ?= out

PORT ?= 8050

.PHONY: setup run cli test lint bench clean

$(BIN)/finmodel: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/finmodel

run: setup
	$(BIN)/python app.py --host 127.0.0.1 --port $(PORT)

cli: setup
	$(BIN)/finmodel run $(SCENARIO) --out $(OUT)

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/python -m pip install --quiet ruff==0.17.6 mypy==2.4.1 pandas-stubs==3.1.0.261029 types-PyYAML==6.0.12.20261113
	$(BIN)/ruff check finmodel tests benchmarks
	$(BIN)/mypy finmodel

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.bench_exact_vs_financepy
	$(BIN)/python -m benchmarks.bench_monte_carlo_floor
	$(BIN)/python -m benchmarks.bench_cashflow_engine
	$(BIN)/python -m benchmarks.bench_bundle
	$(BIN)/python -m benchmarks.bench_portfolios
	$(BIN)/python -m benchmarks.bench_batch
	$(BIN)/python -m benchmarks.bench_app

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache *.egg-info
