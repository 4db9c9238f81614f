"""The database's part of a backup: a consistent snapshot while the application runs,
and its restore. SQLite: the online backup API (a snapshot of one moment, pages copied
under SQLite's own locking). PostgreSQL: ``pg_dump -Fc`` (one transaction's snapshot)
and ``pg_restore``; both must be installed where the command runs."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections
from django.utils.translation import gettext as _

from gridcrm.ops.errors import BackupRefused


def _config() -> dict[str, Any]:
    return dict(connections["default"].settings_dict)


def vendor() -> str:
    """``sqlite`` or ``postgresql``."""
    return "postgresql" if "postgresql" in _config()["ENGINE"] else "sqlite"


def sqlite_path() -> Path | None:
    """The SQLite database file, or ``None`` for PostgreSQL."""
    if vendor() != "sqlite":
        return None
    return Path(str(_config()["NAME"])).resolve()


def dump_name() -> str:
    return "database.pgdump" if vendor() == "postgresql" else "database.sqlite3"


def _pg_env() -> dict[str, str]:
    config = _config()
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if config.get(key):
            env[name] = str(config[key])
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    env["PGDATABASE"] = str(config["NAME"])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(
            _("%(tool)s is not installed; PostgreSQL's client tools are needed.") % {"tool": name}
        )
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupRefused(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(command[0]).name, "error": done.stderr.strip()[-500:]}
        )


def snapshot(target: Path) -> None:
    """Write a consistent copy of the database to ``target``."""
    path = sqlite_path()
    if path is None:
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "-f",
                str(target),
            ]
        )
        return
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    target.chmod(0o600)


def holds_data() -> bool:
    """Whether the database to restore into has any tables (a fresh one has none)."""
    path = sqlite_path()
    if path is not None and not path.exists():
        return False
    return bool(connections["default"].introspection.table_names())


def restore(source: Path, *, replace: bool) -> None:
    """Load the snapshot ``source`` into the configured database (``replace``: over what
    it holds). Django's connections are closed first: the restore writes underneath."""
    connections.close_all()
    path = sqlite_path()
    if path is None:
        command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        if replace:
            command += ["--clean", "--if-exists"]
        _run([*command, "--dbname", str(_config()["NAME"]), str(source)])
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)
    snapshot_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        snapshot_db.backup(target)
    finally:
        target.close()
        snapshot_db.close()
