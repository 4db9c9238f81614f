"""Errors of the lake: refused imports, unknown tables, who may not see or import.

Each derives from one of the kinds of ``gridcrm.core.errors`` and carries a stable code
(``lake.<what>``); the API and the pages answer them by kind, the same in every app.
"""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid, Refused


class ImportFailed(Invalid):
    """The file as a whole cannot be imported; the message says why, for people.
    Instance codes name the case: ``lake.file_missing``, ``lake.unreadable_file``,
    ``lake.wrong_columns``. (A file refused by the upload bounds is a
    ``gridcrm.core.uploads.UploadRefused``.)"""

    code = "lake.import_failed"


class UnknownTable(Invalid):
    """No fact table has the name given."""

    code = "lake.unknown_table"


class MayNotViewLake(Refused):
    """The user may not see the fact lake."""

    code = "lake.may_not_view"


class MayNotImportFacts(Refused):
    """The user may not import facts into the lake."""

    code = "lake.may_not_import"


class ClusterUnreachable(Conflict):
    """The Spark cluster (its master) does not answer: at submission, or during a run,
    which is then cancelled with nothing written."""

    code = "lake.cluster_unreachable"


class RunCancelled(Conflict):
    """A run on the lake was cancelled by its job's author before it wrote anything."""

    code = "lake.run_cancelled"
