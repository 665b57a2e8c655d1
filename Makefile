# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint check-content practice bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@mkdir -p data
	GRILLBOT_DB=$${GRILLBOT_DB:-data/grillbot.db} $(BIN)/python -m bot run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot cogs
	$(BIN)/python -m pytest

check-content: $(STAMP)
	$(BIN)/python -m bot content check

practice: $(STAMP)
	@mkdir -p data
	GRILLBOT_DB=$${GRILLBOT_DB:-data/grillbot.db} $(BIN)/python -m bot practice

bench: $(STAMP)  # not part of `make test`: minutes of load; rewrites bench/RESULTS.md
	$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
