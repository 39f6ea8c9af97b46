# Two commands for a fresh clone: `make run` and `make test` (README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export EDC_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test install install-test serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/edc ledger init-key
	$(BIN)/edc db upgrade
	$(BIN)/edc demo seed --if-new
	$(BIN)/python -m flask --app wsgi run --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/edc db upgrade
	$(BIN)/gunicorn --workers $${EDC_WORKERS:-4} --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: install-test
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) instance .pytest_cache
