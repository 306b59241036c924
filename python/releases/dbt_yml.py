"""Generate the dbt staging layer (sources yml, models yml, one-line staging models) and the REFLACX label-map
seed from the release catalogue, so no table or column list is typed by hand.

    python -m releases.dbt_yml --project .          # (re)write the generated files
    python -m releases.dbt_yml --project . --check  # exit 1 if a committed file differs (CI)
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import sys
from importlib import resources
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML comes with dbt-core

from releases.catalog import (
    REFLACX_MERGES,
    REFLACX_TARGETS,
    SOURCE_OF_MODULE,
    lake_tables,
    release_tables,
    snake,
)

log = logging.getLogger("releases.dbt_yml")

RELEASE_OF_MODULE = {
    "hosp": "MIMIC-IV hosp (1.0 core + hosp)",
    "icu": "MIMIC-IV icu",
    "ed": "MIMIC-IV-ED",
    "note": "MIMIC-IV-Note",
    "cxr_jpg": "MIMIC-CXR-JPG 2.0.0",
    "cxr": "MIMIC-CXR 2.0.0",
    "reflacx": "REFLACX 1.0.0",
    "eye_gaze": "EyeGaze (EGD-CXR) 1.0.0",
}

# Columns the converter adds on top of the published ones (docs/architecture.md section 2), as
# (column, DuckDB type, "first" | "after:<col>" | "last", description).
_ID = ("id", "VARCHAR", "first", "REFLACX case id (the per-case folder name).")
_ROW = ("row_index", "INTEGER", "last", "Row order in the source file, from 0.")
EXTRA_COLUMNS: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {
    ("cxr_jpg", "metadata"): [
        (
            "study_datetime",
            "TIMESTAMP",
            "last",
            "StudyDate + zero-padded StudyTime, computed by the converter.",
        )
    ],
    ("reflacx", "metadata"): [
        ("phase", "INTEGER", "after:id", "REFLACX phase (1, 2, 3) of the metadata file.")
    ],
    ("reflacx", "anomaly_location_ellipses"): [
        _ID,
        ("phase", "INTEGER", "after:id", "REFLACX phase of the case."),
        ("ellipse_index", "INTEGER", "after:phase", "Row order of the ellipse in its file, from 0."),
    ],
    ("reflacx", "chest_bounding_box"): [_ID, _ROW],
    ("reflacx", "fixations"): [_ID, _ROW],
    ("reflacx", "timestamps_transcription"): [_ID, _ROW],
    ("reflacx", "gaze"): [_ID, _ROW],
    ("eye_gaze", "eye_gaze"): [("row_index", "BIGINT", "last", "Line order in eye_gaze.csv, from 0.")],
    ("eye_gaze", "fixations"): [("row_index", "BIGINT", "last", "Line order in fixations.csv, from 0.")],
}
# Tables the converter derives from non-tabular files (docs/architecture.md section 2).
_FILE_COLS = [
    ("path", "VARCHAR", "last", "Path relative to the release root."),
    ("abs_path", "VARCHAR", "last", "Absolute path on this machine."),
    ("file_bytes", "BIGINT", "last", "File size in bytes."),
]
EXTRA_TABLES: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {
    ("reflacx", "transcription"): [_ID, ("text", "VARCHAR", "last", "Content of transcription.txt.")],
    ("eye_gaze", "transcript_phrases"): [
        ("dicom_id", "VARCHAR", "last", "Image the transcript belongs to."),
        ("phrase_index", "INTEGER", "last", "Order of the phrase in time_stamped_text, from 0."),
        ("phrase", "VARCHAR", "last", "Phrase text."),
        ("begin_time", "DOUBLE", "last", "Phrase start (seconds)."),
        ("end_time", "DOUBLE", "last", "Phrase end (seconds)."),
    ],
    ("eye_gaze", "transcripts"): [
        ("dicom_id", "VARCHAR", "last", "Image the transcript belongs to."),
        ("full_text", "VARCHAR", "last", "full_text of transcript.json."),
    ],
    ("cxr_jpg", "image_files"): [
        ("subject_id", "INTEGER", "last", "Patient."),
        ("study_id", "INTEGER", "last", "Study."),
        ("dicom_id", "VARCHAR", "last", "Image (file stem)."),
        *_FILE_COLS,
    ],
    ("cxr", "report_files"): [
        ("subject_id", "INTEGER", "last", "Patient."),
        ("study_id", "INTEGER", "last", "Study (file stem)."),
        *_FILE_COLS,
    ],
    ("eye_gaze", "transcript_files"): [
        ("dicom_id", "VARCHAR", "last", "Image folder the file sits in."),
        ("file_name", "VARCHAR", "last", "File name."),
        *_FILE_COLS,
    ],
}

_REFLACX_BASE = 8  # id, split, eye_tracking_data_discarded, image, dicom_id, subject_id, image_size_x/y
_KIND_OF_TYPE = {"INTEGER": "certainty", "BOOLEAN": "boolean", "VARCHAR": "text"}


def table_columns(module: str, table: str) -> list[tuple[str, str, str]]:
    """(lake column, DuckDB type, description) of a lake table: catalogue columns + converter extras."""
    if (module, table) in EXTRA_TABLES:
        return [(c, t, d) for c, t, _, d in EXTRA_TABLES[(module, table)]]
    release = RELEASE_OF_MODULE[module]
    cols = [(c, t, f"`{c}` as published in {release} `{table}`.") for c, t in lake_tables()[(module, table)]]
    for name, type_, where, desc in EXTRA_COLUMNS.get((module, table), []):
        entry = (name, type_, desc)
        if where == "first":
            cols.insert(0, entry)
        elif where == "last":
            cols.append(entry)
        else:
            anchor = [c for c, _, _ in cols].index(where.removeprefix("after:"))
            cols.insert(anchor + 1, entry)
    return cols


def all_tables() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for module, table in sorted(set(lake_tables()) | set(EXTRA_TABLES)):
        out.setdefault(module, []).append(table)
    return out


# The lake root as the sources yml renders it: --vars lake_root wins over the MIMIC_LAKE environment variable
# (dbt does not render Jinja in dbt_project.yml vars, so the default cannot live there).
_LAKE_ROOT = "var('lake_root', env_var('MIMIC_LAKE', 'build/lake'))"


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sources_yml(module: str, tables: list[str]) -> str:
    src = SOURCE_OF_MODULE[module]
    lines = [
        "# Generated by `python -m releases.dbt_yml` from python/releases; do not edit by hand.",
        "version: 2",
        "",
        "sources:",
        f"  - name: {src}",
        f"    description: {_q(f'{RELEASE_OF_MODULE[module]} tables in the Parquet lake (`{module}`).')}",
        "    meta:",
        f'      external_location: "{{{{ {_LAKE_ROOT} }}}}/{module}/{{name}}.parquet"',
        "    tables:",
    ]
    for table in tables:
        lines += [
            f"      - name: {table}",
            f"        description: {_q(f'Lake file `{module}/{table}.parquet`.')}",
            "        columns:",
        ]
        for col, type_, desc in table_columns(module, table):
            lines += [
                f"          - name: {_q(col)}",
                f"            description: {_q(desc)}",
                f"            data_type: {type_.lower()}",
                "            quote: true",
                "            meta:",
                f"              staging_name: {snake(col)}",
            ]
    return "\n".join(lines) + "\n"


def models_yml(module: str, tables: list[str]) -> str:
    src = SOURCE_OF_MODULE[module]
    lines = [
        "# Generated by `python -m releases.dbt_yml` from python/releases; do not edit by hand.",
        "version: 2",
        "",
        "models:",
    ]
    for table in tables:
        lines += [
            f"  - name: stg_{src}__{table}",
            f"    description: {_q(f'Source `{src}.{table}`, 1:1: columns renamed to snake case and cast.')}",
            "    columns:",
        ]
        for col, type_, desc in table_columns(module, table):
            lines += [
                f"      - name: {snake(col)}",
                f"        description: {_q(desc + f' Type {type_}.')}",
                f"        data_type: {type_.lower()}",
            ]
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
    """Columns of an `expand` template entry: one per source column, named and described from templates."""
    spec = entry["expand"]
    module = {v: k for k, v in SOURCE_OF_MODULE.items()}[spec["source"]]
    out = []
    for published, _type, _desc in table_columns(module, spec["table"]):
        staged = snake(published)
        if staged in spec.get("exclude", []):
            continue
        name = spec["name"].format(published=published, staged=staged)
        desc = spec.get("descriptions_by_name", {}).get(staged) or spec["description"].format(
            published=published, staged=staged
        )
        column: dict = {"name": name, "description": desc}
        if name != name.lower() or not name.isidentifier():
            column["quote"] = True
        if staged in spec.get("tests_by_name", {}):
            column["data_tests"] = spec["tests_by_name"][staged]
        out.append(column)
    return out


def _expand_models_yml(template: str) -> str:
    """A models yml from a template under dbt_model_docs/: `expand` and `expand_reflacx_labels` column entries
    become the columns they stand for, so published column lists are never typed twice."""
    doc = yaml.safe_load(template)
    for model in doc["models"]:
        columns = []
        for entry in model.get("columns", []):
            if "expand" in entry:
                columns += _expand_columns(entry)
            elif "expand_reflacx_labels" in entry:
                desc = entry["expand_reflacx_labels"]["description"]
                columns += [
                    {"name": label, "description": desc.format(label=label), "quote": True}
                    for label in REFLACX_TARGETS
                ]
            else:
                columns.append(entry)
        model["columns"] = columns
    header = "# Generated by `python -m releases.dbt_yml` from python/releases/dbt_model_docs; do not edit.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, width=110, allow_unicode=True)


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
    docs = resources.files("releases").joinpath("dbt_model_docs")
    for template in sorted(docs.iterdir(), key=lambda t: t.name):
        if template.name.endswith(".yml"):
            # marts__linked.yml -> models/marts/linked/_linked__models.yml
            parts = template.name.removesuffix(".yml").split("__")
            folder = "/".join(parts)
            rel = f"models/{folder}/_{parts[-1]}__models.yml"
            files[rel] = _expand_models_yml(template.read_text(encoding="utf-8"))
    return files


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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
