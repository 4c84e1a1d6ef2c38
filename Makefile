# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench clean

# make bench: the service at a million tickets under wrk; smaller for a quick look, e.g.
# make bench BENCH_TICKETS=100000 BENCH_CLIENTS=10000 BENCH_SECONDS=3
BENCH_TICKETS ?= 1000000
BENCH_CLIENTS ?= 100000
BENCH_WORKERS ?= 50
BENCH_SECONDS ?= 5
BENCH_SERVE_WORKERS ?= 1

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/crm migrate
	$(BIN)/crm serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy crm

test: lint typecheck
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m tests.bench --tickets $(BENCH_TICKETS) --clients $(BENCH_CLIENTS) \
		--workers $(BENCH_WORKERS) --seconds $(BENCH_SECONDS) --serve-workers $(BENCH_SERVE_WORKERS)

clean:
	rm -rf $(VENV) .crm .pytest_cache .mypy_cache .ruff_cache
