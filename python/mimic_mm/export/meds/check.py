"""`python -m export verify DIR` for a MEDS dataset: the folder against marts.meds_events and the MEDS rules.

Checks: owner-only modes; the manifest says complete; only data/{train,tuning,held_out}/N.parquet shards, each
with the export's Arrow schema; every subject in exactly one shard, of the split subject_splits.parquet gives
it, no more subjects per shard than the settings say; rows contiguous per subject and in time order with
static rows first; codes.parquet holding every code of the data once; and the events themselves: per subject,
the count and a sum of row hashes of the files equal those of the mart (numeric_value as float32), which finds
a changed, missing or extra row. Everything runs as DuckDB queries over the files (nothing is loaded whole).
"""

from __future__ import annotations

import argparse
import logging
import stat
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from mimic_mm.export.meds import layout
from mimic_mm.export.mimic_eye.fingerprint import read_json
from mimic_mm.export.progress import Summary
from mimic_mm.export.warehouse import check_lake_unchanged, connect
from mimic_mm.sql_quote import quote_string

log = logging.getLogger("mimic_mm.export.meds")
SHOWN = 5


def _modes(folder: Path) -> list[str]:
    loose = [p for p in [folder, *folder.rglob("*")] if stat.S_IMODE(p.lstat().st_mode) & 0o077]
    return [f"{len(loose)} files or folders are readable by others, e.g. {loose[0]}"] if loose else []


def _shards(folder: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    found, problems = [], []
    splits = {name for name, _ in layout.SPLITS}
    for path in sorted((folder / layout.DATA).rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(folder / layout.DATA)
        if (
            len(rel.parts) != 2
            or rel.parts[0] not in splits
            or not rel.parts[1].removesuffix(".parquet").isdigit()
        ):
            problems.append(f"unexpected file data/{rel}")
            continue
        found.append((rel.parts[0], path))
    if not found:
        problems.append("no data shards")
    return found, problems


def _rule_queries(per_shard: int, codes: str) -> dict[str, str]:
    """What breaks a MEDS rule -> the query listing the offenders (over the views f, the shards, and s, the
    splits)."""
    return {
        "subjects in more than one shard": "SELECT subject_id FROM f GROUP BY subject_id "
        "HAVING count(DISTINCT filename) > 1",
        "subjects whose shard's split differs from subject_splits.parquet": "SELECT DISTINCT f.subject_id "
        "FROM f LEFT JOIN s USING (subject_id) WHERE s.split IS DISTINCT FROM f.split",
        "subjects of subject_splits.parquet with no rows": "SELECT subject_id FROM s ANTI JOIN f "
        "USING (subject_id)",
        f"shards with more than {per_shard} subjects": "SELECT filename FROM f GROUP BY filename "
        f"HAVING count(DISTINCT subject_id) > {per_shard}",
        "shards whose subjects are not contiguous or whose rows are out of time order": "SELECT filename "
        "FROM "
        "(SELECT filename, subject_id, time, lag(subject_id) OVER w AS ps, lag(time) OVER w AS pt FROM f "
        "WINDOW w AS (PARTITION BY filename ORDER BY file_row_number)) WHERE ps > subject_id OR "
        "(ps = subject_id AND pt IS NOT NULL AND (time IS NULL OR time < pt)) GROUP BY filename",
        "codes of the data missing from codes.parquet": f"SELECT DISTINCT code FROM f ANTI JOIN {codes} AS c "
        "USING (code)",
        "codes listed twice in codes.parquet": f"SELECT code FROM {codes} GROUP BY code HAVING count(*) > 1",
    }


def check(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[list[str], dict[str, int]]:
    problems = _modes(folder)
    manifest = read_json(folder / layout.MANIFEST)
    if manifest is None or not manifest.get("complete"):
        return [*problems, f"{layout.MANIFEST} is missing or says the export is incomplete"], {}
    for name in (layout.CODES_FILE, layout.DATASET_FILE, layout.SPLITS_FILE):
        if not (folder / name).is_file():
            problems.append(f"{name} is missing")
    shards, found = _shards(folder)
    problems += found
    if problems:
        return problems, {}
    for _split, path in shards:
        schema = pq.read_schema(path)
        if not schema.remove_metadata().equals(layout.DATA_SCHEMA):
            problems.append(f"{path.relative_to(folder)} has schema {schema.types}, not the MEDS export's")
    if problems:
        return problems, {}
    files = ", ".join(quote_string(str(p)) for _, p in shards)
    codes = f"read_parquet({quote_string(str(folder / layout.CODES_FILE))})"
    con.execute(
        "CREATE TEMP VIEW f AS SELECT *, regexp_extract(filename, '/data/([a-z_]+)/', 1) AS split "
        f"FROM read_parquet([{files}], filename = true, file_row_number = true)"
    )
    con.execute(
        f"CREATE TEMP VIEW s AS SELECT * FROM read_parquet({quote_string(str(folder / layout.SPLITS_FILE))})"
    )
    per_shard = int(manifest.get("settings", {}).get("subjects_per_shard", 0))
    for what, sql in _rule_queries(per_shard, codes).items():
        rows = con.execute(f"SELECT count(*), list(x)[:{SHOWN}] FROM ({sql}) AS t(x)").fetchall()[0]
        if rows[0]:
            problems.append(f"{rows[0]:,} {what}, e.g. {', '.join(map(str, rows[1]))}")
    cols = ", ".join(layout.data_columns()[1:])
    hashed = "SELECT subject_id, count(*) AS n, sum(hash({c})::HUGEINT) AS h FROM ({r}) GROUP BY subject_id"
    in_mart = cols.replace("numeric_value", "numeric_value::FLOAT AS numeric_value")
    mart = f"SELECT subject_id, {in_mart} FROM {layout.EVENTS}"
    diff = con.execute(
        f"WITH a AS ({hashed.format(c=cols, r='SELECT * FROM f')}), b AS ({hashed.format(c=cols, r=mart)}) "
        f"SELECT count(*), list(subject_id ORDER BY subject_id)[:{SHOWN}] FROM a FULL JOIN b "
        "USING (subject_id) WHERE a.n IS DISTINCT FROM b.n OR a.h IS DISTINCT FROM b.h"
    ).fetchall()[0]
    if diff[0]:
        problems.append(f"{diff[0]:,} subjects whose events differ from {layout.EVENTS}, e.g. {diff[1]}")
    counts = con.execute(
        "SELECT count(*), count(DISTINCT subject_id), count(DISTINCT filename) FROM f"
    ).fetchall()[0]
    return problems, {"events": counts[0], "subjects": counts[1], "shards": counts[2]}


def verify_main(args: argparse.Namespace) -> int:
    folder: Path = args.dir
    con = connect(args.warehouse)
    try:
        check_lake_unchanged(con)
        problems, counts = check(con, folder)
    finally:
        con.close()
    for problem in problems:
        log.error("%s: %s", folder, problem)
    summary = Summary(f"MEDS verify: {folder}")
    for name, n in counts.items():
        summary.add(name, n)
    summary.add("problems", len(problems))
    summary.print()
    return 1 if problems else 0
