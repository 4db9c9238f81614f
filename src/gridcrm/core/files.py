"""Where the files GridCRM keeps are recorded: relative to their root, never absolute.

A row that names a file (a job's result, an import's upload or reject file) stores it
relative to ``settings.VAR_DIR`` — or, for a file in the fact lake, as ``@lake/`` and its
place under the lake's folder, which may live elsewhere. So a copy of the state restored
into another folder (``gridcrm restore``) serves its own files, not the old ones.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

LAKE_PREFIX = "@lake/"


def _lake_root() -> Path | None:
    root = str(settings.LAKE_URL).rstrip("/")
    if "://" in root and not root.startswith("file://"):
        return None  # a remote lake holds facts only; reject files need a local one
    return Path(root.removeprefix("file://")).resolve()


def stored_name(path: Path | str) -> str:
    """How to record ``path`` in a row: ``@lake/…`` inside the lake, else relative to
    ``VAR_DIR``; '' for ''. A path outside both is refused (``ValueError``): it would
    not travel with a backup."""
    if not str(path):
        return ""
    resolved = Path(path).resolve()
    lake = _lake_root()
    if lake is not None and resolved.is_relative_to(lake):
        return LAKE_PREFIX + resolved.relative_to(lake).as_posix()
    var = Path(settings.VAR_DIR).resolve()
    if resolved.is_relative_to(var):
        return resolved.relative_to(var).as_posix()
    raise ValueError(f"{resolved} is neither under GRIDCRM_VAR nor in the lake")


def stored_path(name: str) -> Path | None:
    """The file a recorded name stands for on this installation, or ``None`` for '' and
    for a name that would lead outside its root (a row is not trusted to do that)."""
    if not name:
        return None
    if name.startswith(LAKE_PREFIX):
        root = _lake_root()
        relative = name.removeprefix(LAKE_PREFIX)
    else:
        root = Path(settings.VAR_DIR).resolve()
        relative = name
    if root is None or Path(relative).is_absolute():
        return None
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) else None
