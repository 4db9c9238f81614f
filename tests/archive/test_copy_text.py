"""``COPY`` lines made a column at a time (``archive.copy_text``) store exactly the values
they were made of: text with tabs, newlines and backslashes, NULLs, numbers, flags, days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection

from gridcrm.archive import copy_text

ROWS = [
    ("王建国", "a\tb\nc\\d\re", Decimal("12.50"), True, dt.date(2026, 11, 26)),
    ("\\N", None, None, False, None),
    ("", "", Decimal("0"), None, dt.date(2000, 1, 1)),
]


def columns() -> list[copy_text.Column]:
    """``ROWS`` as COPY columns: two of free text, three of few values (one of them given
    as positions into its distinct values, as an import's cleaned columns are)."""
    names, notes, amounts, flags, days = (list(c) for c in zip(*ROWS, strict=True))
    return [
        copy_text.text_column(names),
        copy_text.text_column(notes),
        copy_text.coded_column(amounts),
        copy_text.coded_column([True, False, None], np.array([0, 1, 2])),
        copy_text.coded_column(days),
    ]


def test_lines_are_tab_separated_escaped_and_end_in_a_newline() -> None:
    made = copy_text.lines([*columns(), copy_text.literal(7)])
    assert bytes(copy_text.payload(made)).decode() == (
        "王建国\ta\\tb\\nc\\\\d\\re\t12.50\tt\t2026-11-26\t7\n"
        "\\\\N\t\\N\t\\N\tf\t\\N\t7\n"
        "\t\t0\t\\N\t2000-01-01\t7\n"
    )


def test_a_column_of_one_value_is_one_literal() -> None:
    assert copy_text.coded_column([Decimal("1.00")] * 3) == "1.00"
    assert copy_text.coded_column([None, None]) == "\\N"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgresql_stores_what_the_lines_hold(db: None) -> None:
    lines = copy_text.lines(columns())
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copied (n serial, name text, note text, amount numeric,"
            " flag boolean, day date)"
        )
        raw = cast(Any, cursor).cursor
        with raw.copy("COPY copied (name, note, amount, flag, day) FROM STDIN") as copy:
            copy.write(copy_text.payload(lines))
        cursor.execute("SELECT name, note, amount, flag, day FROM copied ORDER BY n")
        assert cursor.fetchall() == ROWS
        # Lines with ids put in front, as an import's writer does.
        cursor.execute("TRUNCATE copied")
        with raw.copy("COPY copied (n, name, note, amount, flag, day) FROM STDIN") as copy:
            copy.write(copy_text.payload(copy_text.prefixed(pa.array([7, 8, 9]), lines)))
        cursor.execute("SELECT n, name FROM copied ORDER BY n")
        assert cursor.fetchall() == [(7, "王建国"), (8, "\\N"), (9, "")]
