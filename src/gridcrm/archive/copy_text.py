"""Lines for PostgreSQL's ``COPY … FROM STDIN`` (text format), made a column at a time.

A first load of a million customers spent a fifth of its Python time turning values into
``COPY`` text one cell at a time. Here a column becomes its text at once: free text
through Arrow's kernels (escaped only when a cell needs it), columns with few distinct
values (choices, numbers, flags, keys) by writing each distinct value once, a value the
same in every row as a single string. Arrow then joins the columns into lines, and the
lines' bytes go to ``COPY`` as one buffer.

The text is what psycopg's text dumpers write: ``\\N`` for NULL, ``t``/``f`` for
booleans, ISO dates and times, and a backslash before backslash, tab, newline and
carriage return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL = "\\N"
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
# Bytes that need a backslash in COPY text (none of them is part of a longer UTF-8
# character): looked for in a column's bytes at once.
_ESCAPED = np.zeros(256, dtype=bool)
_ESCAPED[[ord(char) for char, _replacement in _ESCAPES]] = True

# A column's COPY text: an Arrow string array (a line each) or one text for every line.
Column: TypeAlias = "pa.Array | str"


def escape(text: str) -> str:
    """``text`` as a ``COPY`` field."""
    for char, replacement in _ESCAPES:
        if char in text:
            text = text.replace(char, replacement)
    return text


def literal(value: Any) -> str:
    """One value's ``COPY`` text. JSON and arrays come as their text already."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # and datetimes
        return value.isoformat()
    return escape(value if isinstance(value, str) else str(value))


def text_column(values: Sequence[str | None]) -> pa.Array:
    """Free text, distinct in most rows (names, addresses, numbers of accounts)."""
    array = pa.array(values, type=pa.string())
    data = array.buffers()[2]
    if data is not None and _ESCAPED[np.frombuffer(data, dtype=np.uint8)].any():
        for char, replacement in _ESCAPES:
            array = pc.replace_substring(array, char, replacement)
    return pc.fill_null(array, NULL)


def coded_column(values: Sequence[Any], positions: Any = None) -> Column:
    """Values with few distinct ones; the text of each distinct value is made once.
    With ``positions`` (each row's index into ``values``, a numpy array) the values are
    the distinct ones already. (Equal values have equal text: a column holds one type, so
    ``1`` and ``True`` or ``Decimal("1.0")`` and ``Decimal("1.00")`` never meet in one.)"""
    if positions is None:
        position = {v: i for i, v in enumerate(dict.fromkeys(values))}
        positions = list(map(position.__getitem__, values))
        values = list(position)
    if len(values) <= 1:
        if not len(positions):
            return pa.array([], type=pa.string())
        return literal(values[0])
    texts = pa.array([literal(v) for v in values], type=pa.string())
    return texts.take(pa.array(positions, type=pa.int32()))


def lines(columns: Sequence[Column]) -> pa.Array:
    """Each row's ``COPY`` line (its fields joined by tabs, ending in a newline)."""
    joined = pc.binary_join_element_wise(*columns, "\t")
    ended = pc.binary_join_element_wise(joined, "\n", "")
    if ended.null_count:
        raise ValueError("a COPY column holds a NULL that is not written as \\N")
    return ended


def prefixed(first: pa.Array, rest: pa.Array) -> pa.Array:
    """Lines with one more field in front (the ids, known only when the rows are written)."""
    return pc.binary_join_element_wise(first.cast(pa.string()), rest, "\t")


def payload(rows: pa.Array) -> memoryview:
    """The bytes of all the lines, in order, without copying them."""
    _validity, offsets, data = rows.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32, count=len(rows) + 1, offset=4 * rows.offset)
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]
