"""Cleaning an import's cells: ``FieldSpec.clean`` made fast for a whole column, with the
import's own rule that a text cell starting like a spreadsheet formula (``= + - @``) is
rejected, so an imported ``=HYPERLINK(…)`` never reaches a colleague's spreadsheet.
Markup such as ``<script>`` is kept as plain text: it is valid in a name, and every page
escapes it.

A column is cleaned at once (``Cleaner.clean_column``): choices, numbers, yes/no and
stations once per distinct value; plain text columns through Arrow kernels that accept
only cells the column's validators surely accept unchanged (``column_checks``); every
other cell through the cleaner one by one, so messages are the registry's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db.models import Field as ModelField
from django.utils.translation import gettext as _

from gridcrm.archive.imports.column_checks import Check, accepted, column_checks
from gridcrm.archive.imports.columns import Coded
from gridcrm.archive.models import CustomField
from gridcrm.archive.registry import FieldSpec

FORMULA_STARTS = ("=", "+", "-", "@")
_MEMO_LIMIT = 100_000


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run this cell as a formula."""
    return text.strip().startswith(FORMULA_STARTS)


def is_text_field(field_spec: FieldSpec) -> bool:
    """Free-text fields, where a formula-looking value is refused on import."""
    if field_spec.custom is not None:
        return field_spec.custom.kind == CustomField.Kind.TEXT
    column = field_spec.column
    return column.get_internal_type() in {"CharField", "TextField"} and not column.choices


class Cleaner:
    """``FieldSpec.clean`` for one column of an import, made fast and with the import's
    extra rule on formulas. It returns the stored value or raises ``ValidationError``,
    exactly as ``spec.clean`` does."""

    def __init__(self, field_spec: FieldSpec) -> None:
        self.spec = field_spec
        self.text = is_text_field(field_spec)
        self.memo: dict[str, tuple[bool, Any]] | None = None
        self.fast_char: ModelField[Any, Any] | None = None
        if self.text and field_spec.custom is None:
            # Plain text column: strip, then its validators (length, NUL, regex) — as
            # spec.clean does via to_python and run_validators.
            self.fast_char = field_spec.column
            self.validators = list(field_spec.column.validators)
        elif not self.text:
            # Choices, numbers, yes/no and stations: few distinct values in a file.
            self.memo = {}

    def __call__(self, raw: str) -> Any:
        fast = self.fast_char
        if fast is not None:
            value = raw.strip()
            if not value:
                return ""
            if value.startswith(FORMULA_STARTS):
                raise ValidationError(_("Looks like a spreadsheet formula; not imported."))
            if "\x00" in value:
                raise ValidationError(_("Null characters are not allowed."))
            try:
                for validator in self.validators:
                    validator(value)
            except ValidationError:
                fast.run_validators(value)  # raises with every message, as clean() would
            return value
        if self.text and looks_like_formula(raw):
            raise ValidationError(_("Looks like a spreadsheet formula; not imported."))
        memo = self.memo
        if memo is None:
            return self.spec.clean(raw)
        hit = memo.get(raw)
        if hit is None:
            try:
                hit = (True, self.spec.clean(raw))
            except ValidationError as exc:
                hit = (False, exc)
            if len(memo) < _MEMO_LIMIT:
                memo[raw] = hit
        if hit[0]:
            return hit[1]
        raise hit[1]

    def clean_column(
        self, raws: Sequence[str]
    ) -> tuple[list[Any] | Coded, dict[int, ValidationError]]:
        """The cells of a whole column of a batch: the stored values (``None`` where the
        cell is invalid) and the error of each invalid cell by its index. Gives what
        calling the cleaner cell by cell gives, with less Python per cell: choices and
        numbers are cleaned once per distinct value, plain text columns are checked
        over the whole column with Arrow kernels (``column_checks``) and only the cells
        those do not accept go through the cleaner one by one."""
        errors: dict[int, ValidationError] = {}
        if self.memo is not None:
            encoded = pa.array(raws, type=pa.string()).dictionary_encode()
            positions = encoded.indices.to_numpy(zero_copy_only=False)
            cleaned: list[Any] = []
            bad: dict[int, ValidationError] = {}
            for position, raw in enumerate(encoded.dictionary.to_pylist()):
                try:
                    cleaned.append(self(raw))
                except ValidationError as exc:
                    cleaned.append(None)
                    bad[position] = exc
            if bad:
                for index in np.flatnonzero(np.isin(positions, list(bad))).tolist():
                    errors[index] = bad[int(positions[index])]
            return Coded(positions, cleaned), errors
        checks = self.column_checks
        if checks is None:
            values = []
            for index, raw in enumerate(raws):
                try:
                    values.append(self(raw))
                except ValidationError as exc:
                    values.append(None)
                    errors[index] = exc
            return values, errors
        passing = accepted(raws, checks)
        values = list(raws)
        if passing.all():
            return values, errors
        for index in np.flatnonzero(~passing).tolist():
            try:
                values[index] = self(raws[index])
            except ValidationError as exc:
                values[index] = None
                errors[index] = exc
        return values, errors

    def filled(self, values: list[Any] | Coded) -> Any:
        """A boolean array: which of a column's cleaned values hold something
        (``FieldSpec.is_blank`` is false)."""
        if isinstance(values, Coded):
            return values.spread([not FieldSpec.is_blank(v) for v in values.values], bool)
        if self.text:  # text cleans to a string, or None where the cell is invalid
            return np.fromiter(map(bool, values), dtype=bool, count=len(values))
        try:
            holds = {v: not FieldSpec.is_blank(v) for v in set(values)}
        except TypeError:  # an unhashable value
            return np.fromiter(
                (not FieldSpec.is_blank(v) for v in values), dtype=bool, count=len(values)
            )
        return np.fromiter(map(holds.__getitem__, values), dtype=bool, count=len(values))

    @property
    def column_checks(self) -> list[Check] | None:
        """Arrow checks that accept only cells the fast text path would return unchanged
        (already stripped, not a formula, every validator passes); ``None`` when a
        validator has no column form, and then the column is cleaned cell by cell."""
        if self.fast_char is None:
            return None
        if not hasattr(self, "_checks"):
            self._checks = column_checks(self.validators)
        return self._checks


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)
