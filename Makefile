# potwise — the front door. Needs only python3 (3.11+) and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_SYSTEM := $(shell command -v uv 2>/dev/null)
UV := $(if $(UV_SYSTEM),$(UV_SYSTEM),$(CURDIR)/.tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --frozen --no-sync
# one test process per core: each has its own databases (a copy of the migrated SQLite
# template per test, a PostgreSQL schema per process)
PYTEST_WORKERS ?= auto

.PHONY: help env demo serve test lint typecheck pytest month bench fmt

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: installing it into .tools/ (a private virtualenv)"
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet uv

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

env: .venv/.synced ## create or update the virtualenv from uv.lock

# make demo PORT=8001 SANDBOX_PORT=8766 picks other ports
demo: env ## run the app with a seeded demo user on SQLite
	$(RUN) potwise demo $(if $(PORT),--port $(PORT)) $(if $(SANDBOX_PORT),--sandbox-port $(SANDBOX_PORT))

serve: env ## run the web app and the scheduler
	$(RUN) potwise serve

lint: env ## ruff, mypy and the import-layer contracts
	$(RUN) ruff check src tests benchmarks
	$(RUN) ruff format --check src tests benchmarks
	$(RUN) mypy
	$(RUN) lint-imports

pytest: env ## the test suite only, in parallel (PYTEST_WORKERS=0: one process)
	$(RUN) pytest -n $(PYTEST_WORKERS) --durations=25 -m 'not timing and not month'
	$(RUN) pytest -m timing

# Not part of `make test`: a simulated minute is a millisecond or less of real time
# here, and on a loaded machine their checks of "within a simulated minute" can fail.
month: env ## the month-long simulations of household life, alone (a few minutes each)
	$(RUN) pytest -m month


test: lint pytest ## lint, type checks and the whole test suite

bench: env ## reproducible benchmarks (results in benchmarks/RESULTS.md)
	$(RUN) python -m benchmarks

fmt: env ## format the code
	$(RUN) ruff format src tests benchmarks
	$(RUN) ruff check --fix src tests benchmarks
