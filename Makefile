# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app gannan
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run serve test install install-dev debian-run debian-test migrate demo services services-stop \
        bench bench-all clean

# Debian packages: the TrueType CJK font that PDFs embed (not needed when PDF_FONT_PATH
# names one), and the tools the tests read PDFs with.  Installed with apt-get when
# missing and running as root; otherwise the command to run is printed.
DEBIAN_RUN  := $(if $(PDF_FONT_PATH),,fonts-wqy-microhei)
DEBIAN_TEST := $(DEBIAN_RUN) poppler-utils zbar-tools

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

debian-run:
	@bash scripts/debian-packages.sh $(DEBIAN_RUN)

debian-test:
	@bash scripts/debian-packages.sh $(DEBIAN_TEST)

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

## make run: the platform on its embedded default (SQLite, local index, inline tasks, demo data)
run: debian-run demo
	HOST=$(HOST) PORT=$(PORT) bash scripts/run-dev.sh

## make serve: the production layout here: gunicorn (gunicorn.conf.py), a Celery worker and
## one beat, on whatever DATABASE_URL, CELERY_BROKER_URL, ELASTICSEARCH_URL name (README: Deployment)
serve: migrate
	bash scripts/serve.sh

## make test: the whole suite; tests whose service is not reachable are skipped with the reason
test: debian-test install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## make services: start PostgreSQL, Redis, Elasticsearch, stripe-mock and S3 (moto) locally (as CI does);
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
