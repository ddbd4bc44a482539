# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app gannan
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-dev migrate demo services services-stop bench bench-all clean

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

## make run: the platform on its embedded default (SQLite, local index, inline tasks, demo data)
run: demo
	HOST=$(HOST) PORT=$(PORT) bash scripts/run-dev.sh

## make test: the whole suite; tests whose service is not reachable are skipped with the reason
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## make services: start PostgreSQL, Redis, Elasticsearch and stripe-mock locally (as CI does);
## prints the environment to export: eval "$$(bash .ci/services.sh start)"
services:
	bash .ci/services.sh start

services-stop:
	bash .ci/services.sh stop

## make bench: throughput/latency benchmarks (bench/README.md)
bench: install-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## make bench-all: every row of issue 10 against its floor (bench/all.py); ~15 min on 2 cores
bench-all: install-dev
	$(BIN)/python -m bench.all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
