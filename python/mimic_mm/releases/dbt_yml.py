"""Generate the dbt staging layer (sources yml, models yml, one-line staging models) and the REFLACX label-map
seed from the release catalogue, and HAIM's item-list seed (releases.haim_items), so no table or column list
is typed by hand.

    python -m mimic_mm.releases.dbt_yml --project .          # (re)write the generated files
    python -m mimic_mm.releases.dbt_yml --project . --check  # exit 1 if a committed file differs (CI)
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import sys
from importlib import resources
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML comes with dbt-core

from mimic_mm.atomic_fs import atomic_file
from mimic_mm.releases import haim_items, haim_vectors
from mimic_mm.releases.catalog import (
    REFLACX_MERGES,
    REFLACX_TARGETS,
    SOURCE_OF_MODULE,
    published_keys,
    release_tables,
    snake,
)
from mimic_mm.releases.lake import RELEASE_OF_MODULE, all_tables, is_row_order, table_columns
from mimic_mm.releases.mimic_schemas import generated_files as mimic_schema_files
from mimic_mm.releases.mimic_schemas import generated_header, yaml_string, yml_opening

log = logging.getLogger("mimic_mm.releases.dbt_yml")

_REFLACX_BASE = 8  # id, split, eye_tracking_data_discarded, image, dicom_id, subject_id, image_size_x/y
_KIND_OF_TYPE = {"INTEGER": "certainty", "BOOLEAN": "boolean", "VARCHAR": "text"}


# The lake root as the sources yml renders it: --vars lake_root wins over the MIMIC_LAKE environment variable;
# the relative default is resolved against the project directory by macros/check_lake_root.sql (lake_location)
# (dbt does not render Jinja in dbt_project.yml vars, so the default cannot live there).
_LAKE_ROOT = "var('lake_root', env_var('MIMIC_LAKE', 'build/lake'))"


def sources_yml(module: str, tables: list[str]) -> str:
    src = SOURCE_OF_MODULE[module]
    description = f"{RELEASE_OF_MODULE[module]} tables in the Parquet lake (`{module}`)."
    lines = [
        *yml_opening("python/mimic_mm/releases", "sources"),
        f"  - name: {src}",
        f"    description: {yaml_string(description)}",
        "    meta:",
        f'      external_location: "{{{{ {_LAKE_ROOT} }}}}/{module}/{{name}}.parquet"',
        "    tables:",
    ]
    for table in tables:
        lines += [
            f"      - name: {table}",
            f"        description: {yaml_string(f'Lake file `{module}/{table}.parquet`.')}",
            "        columns:",
        ]
        for col, type_, desc in table_columns(module, table):
            lines += [
                f"          - name: {yaml_string(col)}",
                f"            description: {yaml_string(desc)}",
                f"            data_type: {type_.lower()}",
                "            quote: true",
                "            meta:",
                f"              staging_name: {snake(col)}",
            ]
            if is_row_order(module, col):
                lines.append("              row_order: true")  # not a published column (published_columns)
    return "\n".join(lines) + "\n"


def _key_tests(src: str, table: str) -> tuple[list[str], dict[str, list[str]]]:
    """(model-level test lines, column -> test lines) of a staging model from the published keys."""
    model_tests: list[str] = []
    column_tests: dict[str, list[str]] = {}
    for key in published_keys():
        if (key["schema"], key["table"]) != (src, table):
            continue
        cols = key["columns"].split(",")
        if key["kind"] == "primary_key" and len(cols) == 1:
            unique = "unique" + (
                f": {{config: {{severity: {key['severity']}}}}}" if key.get("severity") else ""
            )
            column_tests.setdefault(cols[0], []).extend([f"          - {unique}", "          - not_null"])
        elif key["kind"] == "primary_key":
            model_tests += [
                "      - unique_combination_of_columns:",
                f"          arguments: {{combination: [{', '.join(cols)}]}}",
            ]
            if key.get("severity"):
                model_tests.append(f"          config: {{severity: {key['severity']}}}")
            for col in cols:
                column_tests.setdefault(col, []).append("          - not_null")
        else:
            ref = f"stg_{key['ref_schema']}__{key['ref_table']}"
            column_tests.setdefault(cols[0], []).append(
                f"          - relationships: {{arguments: {{to: ref('{ref}'), field: {key['ref_columns']}}}}}"
            )
    return model_tests, column_tests


def models_yml(module: str, tables: list[str]) -> str:
    src = SOURCE_OF_MODULE[module]
    lines = yml_opening("python/mimic_mm/releases", "models")
    for table in tables:
        model_tests, column_tests = _key_tests(src, table)
        description = f"Source `{src}.{table}`, 1:1: columns renamed to snake case and cast."
        lines += [
            f"  - name: stg_{src}__{table}",
            f"    description: {yaml_string(description)}",
        ]
        if model_tests:
            lines += ["    data_tests:  # the published primary key", *model_tests]
        lines.append("    columns:")
        for col, type_, desc in table_columns(module, table):
            lines += [
                f"      - name: {snake(col)}",
                f"        description: {yaml_string(desc + f' Type {type_}.')}",
                f"        data_type: {type_.lower()}",
            ]
            if snake(col) in column_tests:
                lines += ["        data_tests:", *column_tests[snake(col)]]
    return "\n".join(lines) + "\n"


def label_map_csv() -> str:
    """Seed rows: every REFLACX phase's case-level label -> its target label, with the staging column."""
    tables = release_tables("reflacx-1.0.0")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["phase", "source_label", "source_column", "label_kind", "target_label", "target_position"])
    for phase in (1, 2, 3):
        for c in tables[f"metadata_phase_{phase}"].columns[_REFLACX_BASE:]:
            target = REFLACX_MERGES.get(c.name, c.name)
            kind = _KIND_OF_TYPE[c.type.upper()]
            w.writerow([phase, c.name, snake(c.name), kind, target, REFLACX_TARGETS.index(target) + 1])
    return buf.getvalue()


def _expand_columns(entry: dict) -> list[dict]:
    """Columns of an `expand` template entry: one per source column, named and described from templates, typed
    as staged (`data_types_by_name` overrides a type the model changes)."""
    spec = entry["expand"]
    module = {v: k for k, v in SOURCE_OF_MODULE.items()}[spec["source"]]
    out = []
    for published, type_, _desc in table_columns(module, spec["table"]):
        if is_row_order(module, published):
            continue
        staged = snake(published)
        if staged in spec.get("exclude", []):
            continue
        name = spec["name"].format(published=published, staged=staged)
        desc = spec.get("descriptions_by_name", {}).get(staged) or spec["description"].format(
            published=published, staged=staged
        )
        data_type = spec.get("data_types_by_name", {}).get(staged, type_.lower())
        column: dict = {"name": name, "description": desc, "data_type": data_type}
        if name != name.lower() or not name.isidentifier():
            column["quote"] = True
        if staged in spec.get("tests_by_name", {}):
            column["data_tests"] = spec["tests_by_name"][staged]
        out.append(column)
    return out


def reflacx_target_kinds() -> dict[str, str]:
    """REFLACX target label -> its label kind (certainty | boolean | text), from the label-map seed rows."""
    kinds: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(label_map_csv())):
        kinds.setdefault(row["target_label"], set()).add(row["label_kind"])
    mixed = {label: sorted(k) for label, k in kinds.items() if len(k) > 1}
    if mixed:
        raise ValueError(f"REFLACX targets merged from labels of several kinds: {mixed}")
    return {label: k.pop() for label, k in kinds.items()}


def _reflacx_label_columns(spec: dict) -> list[dict]:
    """The 21 REFLACX target columns: `data_type` for all, or `data_types_by_kind` by each label's kind."""
    kinds = reflacx_target_kinds()
    by_kind = spec.get("data_types_by_kind", {})
    return [
        {
            "name": label,
            "description": spec["description"].format(label=label),
            "data_type": spec.get("data_type") or by_kind[kinds[label]],
            "quote": True,
        }
        for label in REFLACX_TARGETS
    ]


def _check_contract(model: dict) -> None:
    """A model with an enforced contract must type every column (else dbt fails at build time)."""
    if not model.get("config", {}).get("contract", {}).get("enforced"):
        return
    untyped = [c["name"] for c in model["columns"] if not c.get("data_type")]
    if untyped:
        raise ValueError(f"{model['name']}: enforced contract but no data_type for {untyped}")


def _expand_models_yml(template: str) -> str:
    """A models yml from a template under dbt_model_docs/: `expand`, `expand_haim_features`,
    `expand_haim_vectors` and `expand_reflacx_labels` column entries become the columns they stand for (with
    their data types), so published column lists are never typed twice."""
    doc = yaml.safe_load(template)
    for model in doc["models"]:
        columns = []
        for entry in model.get("columns", []):
            if "expand" in entry:
                columns += _expand_columns(entry)
            elif "expand_haim_features" in entry:
                spec = entry["expand_haim_features"]
                columns += [
                    {
                        "name": name,
                        "description": spec["description"].format(label=label, statistic=stat),
                        "data_type": spec["data_type"],
                    }
                    for name, label, stat in haim_items.feature_columns(spec["family"])
                ]
            elif "expand_haim_vectors" in entry:
                spec = entry["expand_haim_vectors"]
                block = next(b for b in haim_vectors.BLOCKS if b.prefix == spec["prefix"])
                columns += [
                    {"name": name, "description": desc, "data_type": block.data_type}
                    for name, desc in haim_vectors.block_columns(block.prefix)
                ]
            elif "expand_reflacx_labels" in entry:
                columns += _reflacx_label_columns(entry["expand_reflacx_labels"])
            else:
                columns.append(entry)
        model["columns"] = columns
        _check_contract(model)
    header = generated_header("python/mimic_mm/releases/dbt_model_docs") + "\n"
    return header + yaml.safe_dump(doc, sort_keys=False, width=110, allow_unicode=True)


def exposures_yml() -> str:
    """dbt exposures of the exporters, each depending on exactly the relations it reads (export.relations)."""
    from mimic_mm.export.relations import EXPOSURES, model_name

    exposures = [
        {
            "name": name,
            "label": label,
            "type": "application",
            "description": description,
            "owner": {"name": "mimic-multimodal exporters"},
            "depends_on": [f"ref('{model_name(rel)}')" for rel in relations()],
        }
        for name, (label, description, relations) in EXPOSURES.items()
    ]
    header = generated_header("python/mimic_mm/export/relations.py") + "\n"
    return header + yaml.safe_dump({"version": 2, "exposures": exposures}, sort_keys=False, width=110)


def generated_files() -> dict[str, str]:
    """Relative path -> content of every generated file."""
    files: dict[str, str] = {}
    for module, tables in all_tables().items():
        src = SOURCE_OF_MODULE[module]
        folder = f"models/staging/{src}"
        files[f"{folder}/_{src}__sources.yml"] = sources_yml(module, tables)
        files[f"{folder}/_{src}__models.yml"] = models_yml(module, tables)
        for table in tables:
            files[f"{folder}/stg_{src}__{table}.sql"] = f"{{{{ stage_source('{src}', '{table}') }}}}\n"
    files["seeds/reflacx_label_map.csv"] = label_map_csv()
    files["seeds/haim_embedding_items.csv"] = haim_items.items_csv()
    files["seeds/haim_fusion_vectors.csv"] = haim_vectors.vectors_csv()
    files.update(mimic_schema_files())
    files["models/_exposures.yml"] = exposures_yml()
    docs = resources.files("mimic_mm.releases").joinpath("dbt_model_docs")
    for template in sorted(docs.iterdir(), key=lambda t: t.name):
        if template.name.endswith(".yml"):
            # marts__linked.yml -> models/marts/linked/_linked__models.yml
            parts = template.name.removesuffix(".yml").split("__")
            folder = "/".join(parts)
            rel = f"models/{folder}/_{parts[-1]}__models.yml"
            files[rel] = _expand_models_yml(template.read_text(encoding="utf-8"))
    return files


def _write(path: Path, text: str) -> None:
    # project files, not data: the umask's modes, not owner-only ones
    with atomic_file(path, fsync=False, private=False) as tmp:
        tmp.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="dbt project root (default: .)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any generated file is missing or stale"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    stale = []
    for rel, text in generated_files().items():
        path = args.project / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(rel)
            if not args.check:
                _write(path, text)
    files = generated_files()
    verb = "stale" if args.check else "rewritten"
    print(f"{len(files)} generated files, {len(stale)} {verb}", file=sys.stderr)
    for rel in stale:
        log.info("%s: %s", verb, rel)
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
