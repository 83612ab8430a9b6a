# citysteward — the two commands are `make run` and `make test`; both set up what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
RASA_VENV := .venv-rasa
APP_STAMP := $(VENV)/.setup-done
RASA_STAMP := $(RASA_VENV)/.setup-done
RASA := $(RASA_VENV)/bin/rasa
RASA_DATA := --data nlu --domain domain.yml --config config.yml
# Quieter TensorFlow; reproducible training (components also have fixed random_seed values).
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: help setup run test lint typecheck validate train unit rasa-tests stories eval bench lock knowledge clean

help:
	@echo "make run    set up what is missing, train if the data changed, start the whole stack"
	@echo "make test   set up what is missing, then ruff, mypy, rasa data validate, pytest, story tests"
	@echo "make eval   NLU figures (tests/nlu_heldout); waste-sorting accuracy and latency (tests/waste_heldout)"
	@echo "make bench  speed figures: platform create-case latency and filtering; gateway turn latency and messages/s"
	@echo "make lock   recompile requirements/*.txt from requirements/*.in"
	@echo "make knowledge  regenerate knowledge/jieba/ and nlu/lookups/ from knowledge/"

setup: $(APP_STAMP) $(RASA_STAMP)

$(APP_STAMP): requirements/app.txt requirements/dev.txt pyproject.toml
	@echo "==> [setup] app venv $(VENV) ($$($(PYTHON) --version))"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
	    || { echo "citysteward needs python3 >= 3.10 as PYTHON (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/app.txt -r requirements/dev.txt
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@
	@echo "==> [setup] app venv ready"

$(RASA_STAMP): requirements/rasa.txt
	@interpreter=$$(scripts/find-rasa-python); \
	 echo "==> [setup] Rasa venv $(RASA_VENV) with $$interpreter (takes a few minutes the first time)"; \
	 test -x $(RASA_VENV)/bin/python || "$$interpreter" -m venv $(RASA_VENV)
	@$(RASA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24,<25"
	@$(RASA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/rasa.txt
	@touch $@
	@echo "==> [setup] Rasa venv ready ($$($(RASA) --version 2>/dev/null | head -n 1))"

# The jieba dictionary and the lookup tables are generated from knowledge/ first (a no-op when
# current); Rasa's own fingerprinting then skips training when data, domain and config are unchanged.
train: setup knowledge
	@echo "==> [train] rasa train (skipped by Rasa when nothing changed)"
	@mkdir -p models var
	@$(RASA) train $(RASA_DATA) --out models

run: train
	@$(VENV)/bin/citysteward run

lint: $(APP_STAMP)
	@echo "==> [lint] ruff"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

typecheck: setup
	@echo "==> [typecheck] mypy (app venv code, then Rasa venv code)"
	@$(VENV)/bin/mypy citysteward cityplatform bot knowledge sorting tests/unit tests/platform tests/gateway tests/integration
	@$(VENV)/bin/mypy --python-executable $(RASA_VENV)/bin/python actions tests/actions tests/nlu

validate: $(RASA_STAMP)
	@echo "==> [validate] rasa data validate"
	@$(RASA) data validate $(RASA_DATA) --fail-on-warnings --quiet

unit: $(APP_STAMP)
	@echo "==> [pytest] app venv: unit, platform (SQLite and PostgreSQL), gateway and integration tests"
	@export CHROMIUM=$$(scripts/find-chromium); $(VENV)/bin/pytest tests/unit tests/platform tests/gateway tests/integration

rasa-tests: $(RASA_STAMP)
	@echo "==> [pytest] Rasa venv: action tests and NLU checks"
	@$(RASA_VENV)/bin/pytest tests/actions tests/nlu

stories: train
	@echo "==> [stories] rasa test core --fail-on-prediction-errors"
	@$(RASA) test core --stories tests/stories --out var/results/core --fail-on-prediction-errors --no-plot --quiet

test: lint typecheck validate train rasa-tests unit stories
	@echo "==> all checks passed"

eval: train
	@$(VENV)/bin/citysteward eval nlu
	@$(VENV)/bin/citysteward eval waste

bench: train
	@$(VENV)/bin/citysteward bench platform
	@$(VENV)/bin/citysteward bench gateway

knowledge: $(APP_STAMP)
	@echo "==> [knowledge] jieba dictionary and NLU lookup tables from knowledge/"
	@$(VENV)/bin/citysteward knowledge build

lock:
	@test -x $(VENV)/bin/uv || $(VENV)/bin/python -m pip install --quiet uv
	@cd requirements && ../$(VENV)/bin/uv pip compile app.in --universal --python-version 3.10 -o app.txt --quiet
	@cd requirements && ../$(VENV)/bin/uv pip compile dev.in --universal --python-version 3.10 -o dev.txt --quiet
	@cd requirements && ../$(VENV)/bin/uv pip compile rasa.in --python-version 3.10 \
	    --python-platform x86_64-manylinux_2_28 -o rasa.txt --quiet

clean:
	rm -rf $(VENV) $(RASA_VENV) models var .mypy_cache .ruff_cache .pytest_cache
