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
export DBT_PROFILES_DIR := $(CURDIR)/profiles
export MIMIC_LAKE ?= $(BUILD)/lake
export MIMIC_DUCKDB_PATH ?= $(BUILD)/warehouse.duckdb

.PHONY: venv demo synth convert dbt export test lint format clean mimic-code

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

# mimic-code's DuckDB concepts, unchanged, into the warehouse's mimiciv_derived schema (after `make dbt`).
# MIMIC_CONCEPTS_ARGS passes options, e.g. '--copy-to build/concepts'. The DuckDB 1.5 CLI (the duckdb-cli dev
# dependency) runs them by default: it is the engine mimic-code's own build uses, so the rounding of
# norepinephrine_equivalent_dose matches it; DuckDB 2.0 rounds a few of those rows differently.
MIMIC_CONCEPTS_ARGS ?= $(if $(wildcard $(BIN)/duckdb),--engine cli --duckdb-cli $(BIN)/duckdb,)
mimic-code: venv
	@test -n "$(MIMIC_CODE)" || { echo "usage: make mimic-code MIMIC_CODE=/path/to/mimic-code" >&2; exit 2; }
	$(BIN)/python -m mimic_concepts --mimic-code "$(MIMIC_CODE)" --warehouse "$(MIMIC_DUCKDB_PATH)" \
		$(MIMIC_CONCEPTS_ARGS)

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
