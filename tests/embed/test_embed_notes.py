"""`embed notes` against HAIM's note procedure (the split written here from the SPEC, each chunk embedded
alone with HAIM's tokenizer call, a failure being the model raising), on the synthetic release's radiology
notes plus planted ones: under 510 word pieces, over 510 split by lines, a single line over 510 first / in
the middle / last, exactly 510 and 511 pieces, NULL text and the empty string."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import haim_image_reference as ref
import numpy as np
import pyarrow.parquet as pq
import pytest
import stand_ins
from conftest import Models, embed

pytestmark = pytest.mark.xdist_group("embed_release")

LIMIT = 510


def spec_split(text: str, pieces) -> list[str]:  # type: ignore[no-untyped-def]
    """The SPEC's rule: <= 510 pieces -> the whole text; else lines gathered while the running count stays
    <= 510, a line that would overflow closing the chunk before it; the last open chunk dropped."""
    if pieces(text) <= LIMIT:
        return [text]
    closed: list[str] = []
    open_lines: list[str] = []
    running = 0
    for line in text.split("\n"):
        k = pieces(line)
        if running + k <= LIMIT:
            open_lines.append(line)
            running += k
            continue
        closed.append(" ".join(open_lines))
        open_lines, running = [line], k
    return closed


def planted_texts() -> dict[str, str | None]:
    rng = np.random.default_rng(19)
    # "cardiopulmonary" and "w7s" are two word pieces each: line counts are not word counts
    words = [*stand_ins.GENERATED[:60], "cardiopulmonary", "w7s", "intracranial", "chest", "."]

    def line(n: int) -> str:
        return " ".join(rng.choice(words, n))

    def lines(*sizes: int) -> str:
        return "\n".join(line(n) for n in sizes)

    return {
        "planted-short": lines(20, 15, 30),
        "planted-long-lines": lines(*rng.integers(20, 40, 45).tolist()),
        "planted-line-first": lines(600, 20, 20, 20),
        "planted-line-middle": lines(40, 40, 40, 600, 10, 10),
        "planted-line-last": lines(*[30] * 12, 600),
        "planted-510": " ".join(["w1"] * 510),
        "planted-511": " ".join(["w1"] * 511),
        "planted-null": None,
        "planted-empty": "",
    }


@pytest.fixture(scope="session")
def note_warehouse(tmp_path_factory: pytest.TempPathFactory, release) -> Path:
    """The tables `embed notes` reads, as in the release's warehouse, plus the planted notes on a cohort
    admission (a planted table of the same layout, as the export tests plant theirs)."""
    path = tmp_path_factory.mktemp("embed_notes") / "warehouse.duckdb"
    with duckdb.connect(str(release.warehouse), read_only=True) as src:
        notes = src.sql("select note_id, hadm_id, text from staging.stg_mimiciv_note__radiology").fetchall()
        hadm_ids = [r[0] for r in src.sql("select hadm_id from marts.haim_samples").fetchall()]
    cohort = sorted(h for h in hadm_ids if h is not None)
    rows = notes + [(note_id, cohort[0], text) for note_id, text in planted_texts().items()]
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema marts")
        con.execute(
            "create table staging.stg_mimiciv_note__radiology "
            "(note_id varchar, hadm_id integer, text varchar)"
        )
        con.executemany("insert into staging.stg_mimiciv_note__radiology values (?, ?, ?)", rows)
        con.execute("create table marts.haim_samples (hadm_id integer)")
        con.executemany("insert into marts.haim_samples values (?)", [(h,) for h in hadm_ids])
    return path


def expected_notes(warehouse: Path, model_dir: Path) -> dict[str, list[np.ndarray] | str]:
    """note_id -> its chunks' pooler_output, or "failed" when HAIM's embedding raises."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        notes = con.sql(
            "select note_id, text from staging.stg_mimiciv_note__radiology "
            "where hadm_id in (select hadm_id from marts.haim_samples)"
        ).fetchall()
    out: dict[str, list[np.ndarray] | str] = {}
    for note_id, text in notes:
        try:
            chunks = spec_split(text, lambda s: len(tokenizer.tokenize(s)))
            vectors = []
            for chunk in chunks:
                with torch.no_grad():
                    vectors.append(model(**tokenizer(chunk, return_tensors="pt")).pooler_output[0].numpy())
            out[note_id] = vectors
        except Exception:  # what HAIM's try/except catches: the whole note fails
            out[note_id] = "failed"
    return out


def stored_notes(lake: Path) -> dict[str, list[tuple]]:
    table = pq.read_table(sorted((lake / "embeddings" / "note_vectors").glob("part-*.parquet")))
    assert table.schema.field("embedding").type.value_type.bit_width == 32
    out: dict[str, list[tuple]] = {}
    for row in table.to_pylist():
        assert row["note_kind"] == "radiology"
        out.setdefault(row["note_id"], []).append((row["chunk_index"], row["failed"], row["embedding"]))
    return out


def test_notes_equal_haim_procedure(tmp_path: Path, note_warehouse: Path, models: Models, home: Path) -> None:
    lake = tmp_path / "lake"
    args = ["notes", "--db", str(note_warehouse), "--lake", str(lake), "--model", str(models.bert),
            "--batch-size", "4", "--part-size", "7", "--device", "cpu"]  # fmt: skip
    proc = embed(args, home)
    expected = expected_notes(note_warehouse, models.bert)
    stored = stored_notes(lake)
    assert set(stored) == set(expected)
    # the planted cases are what the SPEC says they are
    assert expected["planted-null"] == "failed" and expected["planted-line-first"] == "failed"
    assert expected["planted-line-middle"] == "failed"
    assert len(expected["planted-line-last"]) == 1 and len(expected["planted-long-lines"]) >= 2
    assert len(expected["planted-510"]) == 1 and len(expected["planted-empty"]) == 1
    assert len(expected["planted-511"]) == 1  # one line over 510: the empty chunk, the line dropped
    for note_id, want in expected.items():
        rows = stored[note_id]
        if want == "failed":
            assert rows == [(None, True, None)], note_id
            continue
        assert [r[0] for r in rows] == list(range(len(want))) and not any(r[1] for r in rows), note_id
        for (_, _, got), vector in zip(rows, want, strict=True):
            assert ref.close(np.array(got, np.float32), vector).all(), note_id

    # the fallback: the empty string's embedding, equal to the planted empty note's
    fallback = pq.read_table(lake / "embeddings" / "note_fallback_vector.parquet")
    assert fallback.num_rows == 1
    empty = expected["planted-empty"][0]
    assert ref.close(np.array(fallback.column("embedding")[0].as_py(), np.float32), empty).all()
    assert ref.close(np.array(expected["planted-511"][0]), empty).all()

    manifest = json.loads((lake / "embeddings" / "note_vectors" / "_manifest.json").read_text())
    assert manifest["kind"] == "note_vectors" and manifest["complete"] is True
    assert manifest["notes"] == len(expected) and manifest["rows"] == sum(len(r) for r in stored.values())
    assert manifest["failed_notes"] == sum(w == "failed" for w in expected.values())
    assert "failed notes now" in proc.stdout

    # same model: nothing to do; another model: every vector replaced
    parts = sorted(p.name for p in (lake / "embeddings" / "note_vectors").glob("part-*.parquet"))
    assert "up to date" in embed(args, home).stdout
    assert sorted(p.name for p in (lake / "embeddings" / "note_vectors").glob("part-*.parquet")) == parts
    other = stand_ins.bert_folder(tmp_path / "bert-other", seed=4)
    embed([a if a != str(models.bert) else str(other) for a in args], home)
    new_parts = sorted(p.name for p in (lake / "embeddings" / "note_vectors").glob("part-*.parquet"))
    assert not set(new_parts) & set(parts)
    replaced = stored_notes(lake)
    assert set(replaced) == set(expected)
    got = np.array(replaced["planted-short"][0][2], np.float32)
    assert not ref.close(got, np.array(stored["planted-short"][0][2], np.float32)).all()
    fallback2 = np.array(
        pq.read_table(lake / "embeddings" / "note_fallback_vector.parquet")["embedding"][0].as_py()
    )
    assert not ref.close(fallback2, empty).all(), "the fallback vector follows the model too"


def test_split_matches_spec_on_planted_texts(models: Models) -> None:
    from transformers import AutoTokenizer

    from mimic_mm.embed.note_chunks import split_note

    tokenizer = AutoTokenizer.from_pretrained(models.bert, local_files_only=True)

    def count(s: str) -> int:
        return len(tokenizer.tokenize(s))

    assert count("cardiopulmonary w7s") == 4
    for name, text in planted_texts().items():
        if text is not None:
            assert split_note(text, count) == spec_split(text, count), name
    assert split_note(planted_texts()["planted-line-first"] or "", count)[0] == ""
