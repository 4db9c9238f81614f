"""Errors of backup and restore, each with a stable code (``ops.<what>``)."""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid


class BackupDamaged(Invalid):
    """The set is not whole: its manifest is missing or altered, a file is missing,
    changed or not listed. Nothing is restored from it."""

    code = "ops.backup_damaged"


class BackupRefused(Invalid):
    """The backup cannot be taken or restored as asked (a destination that is not empty,
    a lake that is not a local folder, a database of another kind, a missing tool)."""

    code = "ops.backup_refused"


class TargetNotEmpty(Conflict):
    """The database, GRIDCRM_VAR or the lake to restore into already holds data."""

    code = "ops.target_not_empty"
