# 代发工作台 — `make demo` / `make test` work on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8765
# Test files run in parallel, each file whole on one worker (its module-scoped sandbox starts once).
TEST_WORKERS ?= 2

.PHONY: setup chromium services run demo test test-window lint bench clean wheel

setup: $(VENV)/.installed static/vendor/.installed chromium

# Debian/Ubuntu Chromium from apt when no browser is found (Playwright cannot download one offline).
chromium:
	@if [ -n "$$DROPSHIP_CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	    || command -v google-chrome >/dev/null; then exit 0; fi; \
	echo "installing Chromium from apt…"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null
	@# without a CJK font Chromium draws Chinese as boxes (数据大屏's screenshot test)
	@if [ -n "$$(fc-list :lang=zh 2>/dev/null)" ]; then exit 0; fi; \
	echo "installing a Chinese font from apt…"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null

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

# `python app.py --window` for real, on Xvfb with pywebview's Qt backend. Not in `make test`: Qt WebEngine is
# a ~500 MB download, too much for every CI run. The screenshot lands in test-results/window.png.
WINDOW_APT := xvfb fonts-wqy-microhei libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 \
	libxcb-keysyms1 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libegl1 libgl1 \
	libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2
test-window: setup
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(WINDOW_APT) >/dev/null
	$(PY) -m pip install -q -e '.[dev,demo,window-test]'
	WINDOW_SCREENSHOT=$(CURDIR)/test-results/window.png $(PY) -m pytest tests/window -s -o addopts="-p no:cacheprovider"

bench: setup
	$(PY) -m pytest tests/benchmarks -q -s -o addopts="-p no:cacheprovider" --timeout=3600

# The product for sellers: dist/dropship_desk-*.whl with templates, static and the vendored htmx/echarts
# inside (setup.py copies them); the npm step runs here, never on the user's PC.
wheel: $(VENV)/.installed static/vendor/.installed
	rm -rf build
	$(PY) -m pip wheel -q --no-deps --no-build-isolation -w dist .
	@ls -l dist/*.whl

clean:
	rm -rf $(VENV) node_modules static/vendor build dist
