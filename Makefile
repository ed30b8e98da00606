# The two commands: `make run` (install, then serve the demo town at http://127.0.0.1:5000)
# and `make test` (install, then lint and run every test). Both install what they need first.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
FONT := node_modules/@fontsource/noto-sans-jp

.PHONY: run test setup assets browser lint bench clean

setup: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# Leaflet, Leaflet.markercluster and the Noto Sans JP font come from the npm registry
# (package-lock.json) and are copied into the git-ignored static/vendor/; axe-core stays in
# node_modules for the tests.
assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor
	mkdir -p static/vendor/leaflet static/vendor/markercluster static/vendor/noto-sans-jp/files
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css static/vendor/leaflet/
	cp -r node_modules/leaflet/dist/images static/vendor/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.css static/vendor/markercluster/
	for weight in 400 700; do \
	  cp $(FONT)/$$weight.css static/vendor/noto-sans-jp/; \
	  grep -o 'files/[^)]*\.woff2' $(FONT)/$$weight.css | xargs -I{} cp $(FONT)/{} static/vendor/noto-sans-jp/files/; \
	done
	touch $@

# Browser tests drive Debian's Chromium with Japanese fonts; install them when missing.
browser:
	@if ! command -v chromium >/dev/null || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  echo "installing chromium and fonts-noto-cjk (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

run: setup
	$(BIN)/mapapp run

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/run.py
	$(BIN)/python bench/site.py
	$(BIN)/python bench/search_steps.py
	$(BIN)/python bench/hostile.py

clean:
	rm -rf $(VENV) instance node_modules static/vendor .pytest_cache .ruff_cache
