"""dbt-duckdb plugin (profile `plugins:`) keeping what `dbt build` writes owner-only, however dbt is started.

dbt cannot chmod from SQL, and a bare `dbt build` runs under the user's umask (often 022), which would leave
the credentialed warehouse, its .wal and dbt's target/ and logs/ world-readable. The adapter loads this plugin
before it opens the warehouse, so setting the umask here covers every file created afterwards; files and
folders that already exist (dbt opens logs/ before any plugin runs, an older warehouse may be 0644) are
chmod-ed.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

FILE_MODE = 0o600
DIR_MODE = 0o700


def _private(path: Path) -> None:
    """chmod `path` owner-only; a folder recursively (its files 0600, its folders 0700)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.is_symlink():
            return
        if path.is_dir():
            path.chmod(DIR_MODE)
            for root, dirs, files in os.walk(path):
                for d in dirs:
                    _private(Path(root, d))
                for f in files:
                    with contextlib.suppress(FileNotFoundError, PermissionError):
                        Path(root, f).chmod(FILE_MODE)
            return
        if path.exists():
            path.chmod(FILE_MODE)


def _dbt_paths() -> list[Path]:
    """dbt's target/ and logs/ folders of this invocation (flags, environment, or the defaults)."""
    paths = []
    try:
        from dbt.flags import get_flags

        flags = get_flags()
        for name in ("TARGET_PATH", "LOG_PATH"):
            value = getattr(flags, name, None)
            if value:
                paths.append(Path(value))
    except Exception:  # flags not set (plugin loaded outside the dbt CLI): fall back to the defaults
        pass
    project = Path(os.environ.get("DBT_PROJECT_DIR", "."))
    paths += [project / "target", project / "logs", Path("target"), Path("logs")]
    return paths


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        os.umask(0o077)
        for p in _dbt_paths():
            _private(p)
        self._warehouse_files()

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        self._warehouse_files()  # the file exists now, whatever mode an older build left

    def _warehouse_files(self) -> None:
        db = getattr(self.creds, "path", None)
        if db and db != ":memory:":
            for suffix in ("", ".wal"):
                _private(Path(f"{db}{suffix}"))
