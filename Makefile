# Samverkansportalen: `make run` sets up and serves the portal; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

WORKERS ?= 4

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

# Production-style serving: gunicorn with several workers (DATABASE_URL for PostgreSQL; SQLite runs
# in WAL mode). Behind HTTPS keep SESSION_COOKIE_SECURE=1; plain http on localhost needs 0.
serve: install instance/secret_key
	$(FLASK) db upgrade
	@if $(FLASK) --help | grep -q "search"; then $(FLASK) search reindex; fi
	PORTAL_CONFIG=production SECRET_KEY="$${SECRET_KEY:-$$(cat instance/secret_key)}" \
	SESSION_COOKIE_SECURE="$${SESSION_COOKIE_SECURE:-0}" \
	$(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) \
	  --forwarded-allow-ips="$${FORWARDED_ALLOW_IPS:-127.0.0.1}" wsgi:app

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
