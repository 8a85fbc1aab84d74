# gongq: every target sets up its own virtualenv first, so a fresh clone needs only `make demo`
# or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gongq needs Python >= 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install gongq with its pinned dependencies

demo: $(STAMP) ## Run the end-to-end demo offline (starts Redis if needed, the sandbox and a worker)
	GONGQ_SANDBOX=1 OPENAI_AGENTS_DISABLE_TRACING=1 $(BIN)/gongq demo

test: $(STAMP) ## Run the whole test suite (unit, integration, end-to-end)
	OPENAI_AGENTS_DISABLE_TRACING=1 $(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff + mypy --strict
	$(BIN)/ruff check worker producer sandbox tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python tools/readme_tables.py

bench: $(STAMP) ## Benchmarks (not part of `make test`)
	OPENAI_AGENTS_DISABLE_TRACING=1 $(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
