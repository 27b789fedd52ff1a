# 代发工作台 — `make demo` / `make test` work on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8765
# Test files run in parallel, each file whole on one worker (its module-scoped sandbox starts once).
TEST_WORKERS ?= 2

.PHONY: setup chromium services run demo test lint bench clean

setup: $(VENV)/.installed static/vendor/.installed chromium

# Debian/Ubuntu Chromium from apt when no browser is found (Playwright cannot download one offline).
chromium:
	@if [ -n "$$DROPSHIP_CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	    || command -v google-chrome >/dev/null; then exit 0; fi; \
	echo "installing Chromium from apt…"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

# PostgreSQL + redis-server from apt for the several-PCs test (it skips, saying why, without them).
services:
	@bash scripts/ci-services.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,demo]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts.min.js
	touch $@

run: setup
	$(PY) app.py --port $(PORT)

demo: setup
	$(PY) app.py --demo --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check dropship platform_sandbox tests app.py

test: setup services lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: setup
	$(PY) -m pytest tests/benchmarks -q -s -o addopts="-p no:cacheprovider" --timeout=3600

clean:
	rm -rf $(VENV) node_modules static/vendor
