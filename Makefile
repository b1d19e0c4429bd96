# Samverkansportalen: `make run` sets up and serves the portal; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

WORKERS ?= 4
# Where config.py keeps the database, the index and the development secret key (PORTAL_INSTANCE_DIR).
INSTANCE := $(or $(PORTAL_INSTANCE_DIR),instance)
SECRET_KEY_FILE := $(INSTANCE)/secret_key

.PHONY: run test install setup serve clean browser-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# axe-core for the accessibility checks of the browser tests (tests/browser), from npm at the
# version pinned in package-lock.json. Without npm the tests that need it say so and skip.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

browser-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.installed \
	  || echo "npm ci failed: axe-core is missing, the accessibility tests will say they were skipped"; \
	else echo "npm not found: axe-core is not installed, the accessibility tests will say they were skipped"; fi

$(SECRET_KEY_FILE):
	mkdir -p $(INSTANCE)
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

setup: install $(SECRET_KEY_FILE)
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
serve: install $(SECRET_KEY_FILE)
	$(FLASK) db upgrade
	@if $(FLASK) --help | grep -q "search"; then $(FLASK) search reindex; fi
	PORTAL_CONFIG=production SECRET_KEY="$${SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}" \
	SESSION_COOKIE_SECURE="$${SESSION_COOKIE_SECURE:-0}" \
	$(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) \
	  --forwarded-allow-ips="$${FORWARDED_ALLOW_IPS:-127.0.0.1}" --no-control-socket wsgi:app

# Browser tests (Playwright + Debian's Chromium) run when /usr/bin/chromium exists and are skipped,
# with the reason in the summary, when it does not.
test: install browser-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
