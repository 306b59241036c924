"""Issue 14.9 and 15.6: every option given anywhere on the command line is honoured or rejected."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import faults_export_release as fr
import pytest

pytestmark = pytest.mark.xdist_group(fr.GROUP)


def _env_without_default_warehouse(tmp_path: Path) -> dict[str, str]:
    # the default warehouse points at nothing: only an honoured --db can make the command work
    return dict(os.environ, MIMIC_DUCKDB_PATH=str(tmp_path / "no-such-default.duckdb"))


def test_db_before_the_subcommand_is_honoured(
    release: fr.Release, clean_export: Path, tmp_path: Path
) -> None:
    env = _env_without_default_warehouse(tmp_path)
    out = tmp_path / "haim"
    proc = fr.run_export(
        "--db", str(release.db), "haim", "--out", str(out), "--limit", "2", "--workers", "1", env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert list(out.rglob("*.pkl"))
    proc = fr.run_export("--db", str(release.db), "verify", str(clean_export), env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # and a wrong --db before the subcommand is used (and named), not replaced by the default
    bogus = tmp_path / "elsewhere.duckdb"
    proc = fr.run_export("--db", str(bogus), "haim", "--out", str(tmp_path / "x"), env=env)
    assert proc.returncode == 2
    assert fr.stderr_lines(proc) == [
        f"error: warehouse {bogus} does not exist: run `dbt build` first or pass --db / set MIMIC_DUCKDB_PATH"
    ]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("option", [["--out", "somewhere"], ["--workers", "3"]])
@pytest.mark.parametrize("command", ["haim", "mimic-eye"])
def test_top_level_export_options_are_rejected_with_a_subcommand(
    tmp_path: Path, option: list[str], command: str
) -> None:
    proc = fr.run_export(*option, command, "--db", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert f"{option[0]} before the subcommand only applies when every export runs" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (fr.REPO / "somewhere").exists()


def test_unknown_option_is_rejected(tmp_path: Path) -> None:
    proc = fr.run_export("haim", "--no-such-option", "--db", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-option" in proc.stderr


def test_every_option_is_explained_and_declared_once() -> None:
    from mimic_mm.export.cli import build_parser

    parser, subs = build_parser()
    assert set(subs) == {"haim", "mimic-eye", "haim-embeddings", "meds", "verify"}
    for name, sub in [("", parser), *subs.items()]:
        helps = sub.format_help()
        for opt in ("--db", "--debug", "--verbose", "--quiet"):
            assert opt in helps, (name, opt)
        # each option string appears on one action only
        ns = sub.parse_known_args([] if name != "verify" else ["x"])[0]
        assert isinstance(ns, argparse.Namespace)
    for name in ("haim", "mimic-eye", "haim-embeddings", "meds", "verify"):
        proc = fr.run_export(name, "--help")
        assert proc.returncode == 0
        for line in proc.stdout.splitlines():
            stripped = line.strip()
            if stripped.startswith("-") and "  " not in stripped and not stripped.endswith(","):
                # an option line without help text on the same line must be followed by its help
                idx = proc.stdout.splitlines().index(line)
                nxt = proc.stdout.splitlines()[idx + 1].strip()
                assert nxt and not nxt.startswith("-"), (name, line)


def test_debug_flag_before_or_after_the_subcommand(tmp_path: Path) -> None:
    bogus = tmp_path / "w.duckdb"
    for argv in (["--debug", "haim", "--db", str(bogus)], ["haim", "--debug", "--db", str(bogus)]):
        proc = fr.run_export(*argv)
        assert proc.returncode == 2 and "Traceback" in proc.stderr, argv
    proc = fr.run_export("haim", "--db", str(bogus))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
