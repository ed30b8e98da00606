# The two commands: `make run` (install, then serve the demo town at http://127.0.0.1:5000)
# and `make test` (install, then run every test). Both install what they need first.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: run test setup lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

run: setup
	$(BIN)/mapapp run

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
