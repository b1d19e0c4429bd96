# Samverkansportalen: `make run` sets up and serves the portal; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test install setup serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

setup: install instance/secret_key
	$(FLASK) db upgrade
	$(FLASK) demo load
	@if $(FLASK) --help | grep -q innehall; then $(FLASK) innehall import; fi
	@if $(FLASK) --help | grep -q "search"; then $(FLASK) search reindex; fi

run: setup
	@echo
	@echo "Samverkansportalen: http://127.0.0.1:$(PORT)  (logga in med ett av demokontona ovan)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
