"""Why an import refuses a file as a whole (nothing is written), or refuses to start.

A row's reasons (``report.CellError``) are not errors: they are data of the report.
"""

from __future__ import annotations

from gridcrm.core.errors import Invalid, Refused


class ImportRefused(Invalid):
    """The file as a whole cannot be imported: its type, size, encoding, format or
    header (``code`` says which: ``archive.import_…``); nothing was written."""

    code = "archive.import_refused"


class ImportNotPermitted(Refused):
    """The person's role may not import customers."""

    code = "archive.import_not_permitted"
