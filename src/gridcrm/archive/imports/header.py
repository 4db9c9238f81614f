"""Mapping an import's header to the field registry: a header cell may be a field's code
or its Chinese or English label; derived fields' columns are ignored (so an export can
be edited and imported back). A wrong header refuses the file whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gridcrm.archive import registry
from gridcrm.archive.imports.errors import ImportRefused
from gridcrm.archive.registry import FieldSpec


@dataclass(frozen=True)
class Mapping:
    """Which spec each column holds (``None``: ignored) and the column of the account number."""

    specs: list[FieldSpec | None]
    account_index: int
    ignored: list[str]


def _normalise_header(text: str) -> str:
    return text.replace("\ufeff", "").strip().lower()


def map_header(header: Sequence[str], specs: Sequence[FieldSpec]) -> Mapping:
    """Map header cells to specs; ``ImportRefused`` names every problem at once, its
    ``fields`` each wrong column's problem by the column's header (``account_no`` when
    that column is missing, ``file`` when the file is empty)."""
    aliases = registry.column_aliases(specs)
    mapped: list[FieldSpec | None] = []
    problems: dict[str, str] = {}
    ignored: list[str] = []
    first_column: dict[str, str] = {}
    for text in header:
        key = _normalise_header(text)
        if not key:
            mapped.append(None)  # a blank header (trailing separators): the column is ignored
            continue
        found = aliases.get(key)
        if found is None:
            problems[text.strip()] = _("Unknown column “%(column)s”.") % {"column": text.strip()}
            mapped.append(None)
            continue
        if found.name in first_column:
            problems[text.strip()] = _(
                "Columns “%(first)s” and “%(second)s” both hold %(field)s."
            ) % {"first": first_column[found.name], "second": text.strip(), "field": found.label}
        first_column.setdefault(found.name, text.strip())
        if found.is_derived:
            ignored.append(text.strip())
            mapped.append(None)
            continue
        mapped.append(found)
    names = [s.name if s else None for s in mapped]
    if "account_no" not in names and not problems:
        problems["account_no"] = _("The file needs an account number column (account_no or 户号).")
    if not header:
        problems = {"file": _("The file is empty.")}
    if problems:
        raise ImportRefused(
            _("The file was not imported: ") + " ".join(problems.values()),
            code="archive.import_header",
            fields=problems,
        )
    return Mapping(specs=mapped, account_index=names.index("account_no"), ignored=ignored)
