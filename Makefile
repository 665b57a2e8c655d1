# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The store and service tests run on SQLite and on a throwaway PostgreSQL (scripts/pg-throwaway).
# PG=optional (a developer's machine): without PostgreSQL, say so loudly and run SQLite only.
# PG=required (.ci/run): no PostgreSQL is a failure, never a silent skip.
PG     ?= optional
WITH_PG = scripts/pg-throwaway $(if $(filter required,$(PG)),,--optional)

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
	$(WITH_PG) $(BIN)/python -m pytest

# The suite must not depend on today's date: run it with the clock 400 days ahead. PostgreSQL runs
# here too, started outside faketime (pg-throwaway wraps faketime, not the other way round): only
# pytest's clock moves, the server keeps the real one, as a server in another process would.
test-clock: $(STAMP)
	@command -v faketime >/dev/null || { echo "test-clock needs faketime (apt-get install faketime)"; exit 2; }
	$(WITH_PG) faketime -f +400d $(BIN)/python -m pytest -m "not e2e" -p no:cacheprovider

check-content: $(STAMP)
	$(BIN)/python -m bot content check

practice: $(STAMP)
	@mkdir -p data
	GRILLBOT_DB=$${GRILLBOT_DB:-data/grillbot.db} $(BIN)/python -m bot practice

bench: $(STAMP)  # not part of `make test`: minutes of load; rewrites bench/RESULTS.md
	$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
