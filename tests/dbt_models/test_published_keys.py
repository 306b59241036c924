"""The key list in python/mimic_mm/releases/keys.tsv is mimic-code's constraint.sql (every primary and
foreign key), every key reaches the staging models yml as a dbt test, and every mart carries a contract and a
key test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mimic_mm.releases import published_keys

PROJECT = Path(__file__).resolve().parents[2]
CONSTRAINTS = PROJECT.parent / "shared" / "peers" / "mimic-code" / "mimic-iv" / "buildmimic" / "postgres"
PK = re.compile(r"ALTER TABLE (\w+)\.(\w+)\s+ADD CONSTRAINT \w+\s+PRIMARY KEY \(([^)]*)\)")
FK = re.compile(
    r"ALTER TABLE (\w+)\.(\w+)\s+ADD CONSTRAINT \w+\s+FOREIGN KEY \(([^)]*)\)\s+"
    r"REFERENCES (\w+)\.(\w+) \(([^)]*)\)"
)


def _cols(text: str) -> str:
    return ",".join(c.strip() for c in text.split(","))


def test_key_list_is_mimic_code_constraint_sql() -> None:
    path = CONSTRAINTS / "constraint.sql"
    if not path.is_file():
        pytest.skip(f"{path} absent (the shared reference folder sits beside the checkout only in CI)")
    sql = "\n".join(line for line in path.read_text().splitlines() if not line.strip().startswith("--"))
    expected = {("primary_key", s, t, _cols(c), "", "", "") for s, t, c in PK.findall(sql)}
    expected |= {
        ("foreign_key", s, t, _cols(c), rs, rt, _cols(rc)) for s, t, c, rs, rt, rc in FK.findall(sql)
    }
    listed = {
        (k["kind"], k["schema"], k["table"], k["columns"], k["ref_schema"], k["ref_table"], k["ref_columns"])
        for k in published_keys()
    }
    assert len(expected) > 60
    assert listed == expected


def test_every_key_is_a_staging_test() -> None:
    tests: set[tuple[str, str, str]] = set()
    for yml in (PROJECT / "models" / "staging").glob("*/_*__models.yml"):
        for model in yaml.safe_load(yml.read_text())["models"]:
            for test in model.get("data_tests", []):
                if "unique_combination_of_columns" in test:
                    cols = test["unique_combination_of_columns"]["arguments"]["combination"]
                    tests.add((model["name"], ",".join(cols), "pk"))
            for col in model["columns"]:
                for test in col.get("data_tests", []):
                    if test == "unique" or (isinstance(test, dict) and "unique" in test):
                        tests.add((model["name"], col["name"], "pk"))
                    elif isinstance(test, dict) and "relationships" in test:
                        args = test["relationships"]["arguments"]
                        ref = args["to"].removeprefix("ref('").removesuffix("')")
                        tests.add((model["name"], col["name"], f"{ref}.{args['field']}"))
    for k in published_keys():
        model = f"stg_{k['schema']}__{k['table']}"
        kind = (
            "pk"
            if k["kind"] == "primary_key"
            else f"stg_{k['ref_schema']}__{k['ref_table']}.{k['ref_columns']}"
        )
        assert (model, k["columns"], kind) in tests, k


CONTRACTED = {"haim_samples", "haim_samples_reference", "mimic_eye_patients"}


def _tests_named(tests: list | None) -> set[str]:
    return {t if isinstance(t, str) else next(iter(t)) for t in tests or []}


def test_every_mart_has_an_enforced_contract_and_a_key_test() -> None:
    """Issue 15: every mart carries an enforced contract (every column typed) and a primary-key test (a
    unique + not_null column, or unique_combination_of_columns), unless its yml says why it has no key
    (`meta: {keyless: reason}`: an event stream whose identical events repeat)."""
    found, problems = set(), []
    for yml in (PROJECT / "models" / "marts").glob("*/_*__models.yml"):
        for model in yaml.safe_load(yml.read_text())["models"]:
            name, columns = model["name"], model["columns"]
            if model.get("config", {}).get("contract", {}).get("enforced"):
                found.add(name)
            else:
                problems.append(f"{name}: no enforced contract")
            problems += [f"{name}.{c['name']}: no data_type" for c in columns if not c.get("data_type")]
            keyed = "unique_combination_of_columns" in _tests_named(model.get("data_tests"))
            keyed |= any({"unique", "not_null"} <= _tests_named(c.get("data_tests")) for c in columns)
            if not keyed and not model.get("meta", {}).get("keyless"):
                problems.append(f"{name}: no key test")
    assert found >= CONTRACTED and problems == []
