# Two entry points for a fresh machine: `make demo` (the whole job on synthetic data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := $(CURDIR)/build
SUBJECTS ?= 200
SEED ?= 42

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export MIMIC_LAKE ?= $(BUILD)/lake
export MIMIC_DUCKDB_PATH ?= $(BUILD)/warehouse.duckdb

.PHONY: venv demo synth convert dbt export test lint format clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

synth: venv
	$(BIN)/python -m synth --out $(BUILD)/raw --subjects $(SUBJECTS) --seed $(SEED)

convert: venv
	$(BIN)/python -m convert $(BUILD)/raw --lake $(MIMIC_LAKE)

dbt: venv
	# dbt cannot set file modes itself: keep the credentialed warehouse owner-only.
	umask 077 && $(BIN)/dbt build

export: venv
	$(BIN)/python -m export --out $(BUILD)/export

demo: synth convert dbt export

lint: venv
	$(BIN)/ruff check python tests benchmarks
	$(BIN)/ruff format --check python tests benchmarks
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models macros tests/dbt --disable-progress-bar --nocolor

format: venv
	$(BIN)/ruff format python tests benchmarks
	$(BIN)/ruff check --fix python tests benchmarks
	$(BIN)/sqlfluff fix models macros tests/dbt --disable-progress-bar --nocolor

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests

clean:
	rm -rf build target logs
