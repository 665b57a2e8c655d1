# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-clock lint check-content practice bench clean

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

# The suite must not depend on today's date: run it with the clock 400 days ahead.
test-clock: $(STAMP)
	@command -v faketime >/dev/null || { echo "test-clock needs faketime (apt-get install faketime)"; exit 2; }
	faketime -f +400d $(BIN)/python -m pytest -m "not e2e" -p no:cacheprovider

check-content: $(STAMP)
	$(BIN)/python -m bot content check

practice: $(STAMP)
	@mkdir -p data
	GRILLBOT_DB=$${GRILLBOT_DB:-data/grillbot.db} $(BIN)/python -m bot practice

bench: $(STAMP)  # not part of `make test`: minutes of load; rewrites bench/RESULTS.md
	$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
