"""Generated staging layer, marts yml and label-map seed are current; every model and column is described."""

from __future__ import annotations

import pytest
import yaml
from dbt_harness import PROJECT

from mimic_mm.releases import lake_tables
from mimic_mm.releases.dbt_yml import (
    REFLACX_TARGETS,
    SOURCE_OF_MODULE,
    _expand_models_yml,
    generated_files,
    label_map_csv,
    reflacx_target_kinds,
)


def test_committed_generated_files_are_current() -> None:
    stale = [
        rel for rel, text in generated_files().items() if (PROJECT / rel).read_text(encoding="utf-8") != text
    ]
    assert stale == []


def test_every_lake_table_has_a_one_line_staging_model() -> None:
    files = generated_files()
    for module, table in lake_tables():
        source = SOURCE_OF_MODULE[module]
        sql = files[f"models/staging/{source}/stg_{source}__{table}.sql"]
        assert sql == f"{{{{ stage_source('{source}', '{table}') }}}}\n"


def test_label_map_targets_are_the_21() -> None:
    rows = [line.split(",") for line in label_map_csv().splitlines()[1:]]
    assert {r[4] for r in rows} == set(REFLACX_TARGETS) and len(REFLACX_TARGETS) == 21
    by_source = {(r[0], r[1]): r[4] for r in rows}
    assert by_source[("1", "Mass")] == by_source[("1", "Nodule")] == "Lung nodule or mass"
    assert by_source[("3", "Pleural abnormality")] == "Pleural abnormality"


def test_every_model_and_column_is_described() -> None:
    undescribed = []
    for path in (PROJECT / "models").rglob("_*__models.yml"):
        for model in yaml.safe_load(path.read_text())["models"]:
            if not model.get("description"):
                undescribed.append(model["name"])
            undescribed += [
                f"{model['name']}.{c['name']}" for c in model.get("columns", []) if not c.get("description")
            ]
    assert undescribed == []


def test_reflacx_target_kinds_type_the_wide_labels() -> None:
    kinds = reflacx_target_kinds()
    assert set(kinds) == set(REFLACX_TARGETS)
    assert kinds["Other"] == "text" and kinds["Support devices"] == kinds["Quality issue"] == "boolean"
    assert kinds["Lung nodule or mass"] == "certainty"


def test_a_contracted_model_with_an_untyped_column_is_refused() -> None:
    template = """
version: 2
models:
  - name: m
    description: d
    config: {contract: {enforced: true}}
    columns:
      - {name: a, description: d, data_type: integer}
      - {name: b, description: d}
"""
    with pytest.raises(ValueError, match=r"m: enforced contract but no data_type for \['b'\]"):
        _expand_models_yml(template)
