# finmodel: `make run` sets up and starts the web app on 127.0.0.1:8050 with the default
# scenario; `make test` sets up and runs the tests; `make cli` runs the default scenario
# from the command line into out/.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/dormant_deposit_fund.yaml
OUT ?= out

PORT ?= 8050

.PHONY: setup run cli test lint bench clean lock

# Refresh constraints.txt (the pinned versions every install uses) from the newest
# versions that satisfy pyproject.toml, in a scratch venv; review the diff, run the tests.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[test,dev,bench]'
	(echo "# Pinned versions for make setup / make lint / CI (pip -c). Refresh: make lock"; \
	 .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^finmodel') > constraints.txt
	rm -rf .lock-venv

$(BIN)/finmodel: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

setup: $(BIN)/finmodel

run: setup
	$(BIN)/python app.py --host 127.0.0.1 --port $(PORT)

cli: setup
	$(BIN)/finmodel run $(SCENARIO) --out $(OUT)

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt ruff mypy pandas-stubs types-PyYAML
	$(BIN)/ruff check finmodel tests benchmarks
	$(BIN)/mypy finmodel

bench: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks.bench_exact_vs_financepy
	$(BIN)/python -m benchmarks.bench_monte_carlo_floor
	$(BIN)/python -m benchmarks.bench_cashflow_engine
	$(BIN)/python -m benchmarks.bench_bundle
	$(BIN)/python -m benchmarks.bench_portfolios
	$(BIN)/python -m benchmarks.bench_batch
	$(BIN)/python -m benchmarks.bench_cost
	$(BIN)/python -m benchmarks.bench_app

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache *.egg-info
