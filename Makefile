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
# dbt needs no environment: profiles.yml is in the project root and the lake defaults to build/lake. These
# are overrides only, passed through when set.
LAKE := $(or $(MIMIC_LAKE),$(BUILD)/lake)
WAREHOUSE := $(or $(MIMIC_DUCKDB_PATH),$(BUILD)/warehouse.duckdb)
# One synthetic release per SUBJECTS/SEED, so `make demo SUBJECTS=…` after another demo needs no --force.
RAW := $(BUILD)/raw/$(SUBJECTS)-$(SEED)
DEMO_ARGS := subjects=$(SUBJECTS) seed=$(SEED)

.PHONY: venv demo synth convert dbt embed export test lint format clean mimic-code

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,embed]'
	touch $@

venv: $(BIN)/.installed

synth: venv
	@if [ -f $(RAW)/ground_truth.json ]; then echo "synth: $(RAW) already generated"; else \
		rm -rf $(RAW) && $(BIN)/python -m synth --out $(RAW) --subjects $(SUBJECTS) --seed $(SEED); fi

# convert rewrites only the lake tables whose source files changed, dbt rebuilds the warehouse.
convert: venv
	$(BIN)/python -m convert $(RAW) --lake $(LAKE)

dbt: venv
	# dbt cannot set file modes itself: keep the credentialed warehouse owner-only.
	umask 077 && $(BIN)/dbt build

# An export of another synthetic release is removed first (exports refuse another sample list on purpose).
export: venv
	@if [ -f $(BUILD)/export/.demo-args ] && [ "$$(cat $(BUILD)/export/.demo-args)" != "$(DEMO_ARGS)" ]; then \
		echo "export: build/export holds another release ($$(cat $(BUILD)/export/.demo-args)), rebuilding"; \
		rm -rf $(BUILD)/export; fi
	$(BIN)/python -m export --out $(BUILD)/export
	echo "$(DEMO_ARGS)" > $(BUILD)/export/.demo-args

# HAIM's image and note vectors (python -m mimic_mm.embed), only from weights the user has on disk (never
# random, never downloaded): HAIM_IMAGE_WEIGHTS = a torchxrayvision weight name found in its cache folder
# (densenet121-res224-chex) or a DenseNet121 state_dict file; HAIM_NOTE_MODEL = a Hugging Face model folder
# (Bio_ClinicalBERT). EMBED_ARGS passes options to both (e.g. --device cuda --batch-size 128). When either ran,
# dbt builds again so the models reading the vectors see them.
HAIM_IMAGE_WEIGHTS ?=
HAIM_NOTE_MODEL ?=
EMBED_ARGS ?=
embed: venv
	@if [ -z "$(HAIM_IMAGE_WEIGHTS)$(HAIM_NOTE_MODEL)" ]; then \
		echo "embed: skipped (no weights configured). To compute HAIM's image and note vectors run e.g."; \
		echo "  make demo HAIM_IMAGE_WEIGHTS=densenet121-res224-chex HAIM_NOTE_MODEL=/path/to/Bio_ClinicalBERT"; \
		echo "  (see docs/embeddings.md: the weights must already be on disk; nothing is downloaded)"; \
		exit 0; fi; \
	set -e; \
	if [ -n "$(HAIM_IMAGE_WEIGHTS)" ]; then \
		if [ -f "$(HAIM_IMAGE_WEIGHTS)" ]; then w="--weights-file"; else w="--weights"; fi; \
		$(BIN)/python -m mimic_mm.embed images --db $(WAREHOUSE) --lake $(LAKE) $$w "$(HAIM_IMAGE_WEIGHTS)" \
			$(EMBED_ARGS); \
	else echo "embed: image vectors skipped (set HAIM_IMAGE_WEIGHTS)"; fi; \
	if [ -n "$(HAIM_NOTE_MODEL)" ]; then \
		$(BIN)/python -m mimic_mm.embed notes --db $(WAREHOUSE) --lake $(LAKE) --model "$(HAIM_NOTE_MODEL)" \
			$(EMBED_ARGS); \
	else echo "embed: note vectors skipped (set HAIM_NOTE_MODEL)"; fi; \
	umask 077 && $(BIN)/dbt build

demo: synth convert dbt embed export

# mimic-code's DuckDB concepts, unchanged, into the warehouse's mimiciv_derived schema (after `make dbt`).
# MIMIC_CONCEPTS_ARGS passes options, e.g. '--copy-to build/concepts'. The DuckDB 1.5 CLI (the duckdb-cli dev
# dependency) runs them by default: it is the engine mimic-code's own build uses, so the rounding of
# norepinephrine_equivalent_dose matches it; DuckDB 2.0 rounds a few of those rows differently.
MIMIC_CONCEPTS_ARGS ?= $(if $(wildcard $(BIN)/duckdb),--engine cli --duckdb-cli $(BIN)/duckdb,)
mimic-code: venv
	@test -n "$(MIMIC_CODE)" || { echo "usage: make mimic-code MIMIC_CODE=/path/to/mimic-code" >&2; exit 2; }
	$(BIN)/python -m mimic_mm.concepts --mimic-code "$(MIMIC_CODE)" --warehouse "$(WAREHOUSE)" \
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

# Everything the demo, dbt and the tests wrote (the virtualenv stays: `rm -rf .venv` removes it).
clean:
	rm -rf build target logs .pytest_cache .ruff_cache .mypy_cache
