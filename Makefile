# Two commands on a fresh machine: `make chat` and `make test`. Everything they need is
# installed from here (apt-get for system packages, pip into .venv for Python ones).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup model chat dashboard test lint check-rules rules-test bench clean

setup: $(STAMP)

# The NLU model: trained when missing or when its data, patterns or config changed.
model: setup
	$(BIN)/bokji train --if-stale

$(STAMP): pyproject.toml
	@bash scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# The console chat, on the embedded Redis unless REDIS_URL is set (data in var/redis).
chat: model
	$(BIN)/bokji chat

# The caseworker dashboard on http://localhost:8080 (same Redis as `make chat`). Add an
# account first: .venv/bin/bokji caseworkers add NAME [--supervisor]
dashboard: setup
	$(BIN)/bokji dashboard

test: model
	$(BIN)/ruff check .
	$(BIN)/bokji rules check
	$(BIN)/bokji rules test
	$(BIN)/bokji stories check
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .

check-rules: setup
	$(BIN)/bokji rules check

rules-test: setup
	$(BIN)/bokji rules test

bench: model
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/nlu.py
	$(BIN)/python bench/compare_rasa.py
	$(BIN)/python bench/dialogue.py
	$(BIN)/python bench/telegram.py
	$(BIN)/python bench/handoff.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis models reports var
