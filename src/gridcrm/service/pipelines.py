"""Figures of the service desk's records, written once as Ibis expressions (the same on
DuckDB and Spark, like ``lake.pipelines``).

The service requests are not facts of the lake: they live in the database, and the run
hands them over as a small extract (``gridcrm.service.complaints.requests_extract``):
``requests`` (``account_no``, ``category``: the request type's category, ``opened_on``:
the local day the request was received). ``customers`` (``account_no``) is every
customer the archive holds.
"""

from __future__ import annotations

from datetime import date

import ibis.expr.types as ir

from gridcrm.lake.pipelines import months_before

COMPLAINT = "complaint"
"""The request category that counts as a complaint (``service.choices.RequestCategory``)."""
WINDOW_MONTHS = 12


def complaints_window(as_of: date) -> tuple[date, date]:
    """``[first, last]`` local days whose complaints count on ``as_of``: the same day 12
    calendar months earlier, through ``as_of`` (like the lake's 12-month windows)."""
    return months_before(as_of, WINDOW_MONTHS), as_of


def complaints_12m(customers: ir.Table, requests: ir.Table, *, as_of: date) -> ir.Table:
    """Per customer of ``customers``: ``complaints_12m``, the requests of the complaint
    category received in ``complaints_window(as_of)`` — 0 for a customer with none, so
    that a figure that aged out goes back to 0. Other categories (an enquiry, a dispute)
    and requests outside the window do not count; a cancelled complaint was still made.
    Columns: ``account_no``, ``complaints_12m`` (int64)."""
    first, last = complaints_window(as_of)
    made = requests.filter(
        requests.category == COMPLAINT,
        requests.opened_on >= first,
        requests.opened_on <= last,
    )
    counts = made.group_by("account_no").aggregate(made=made.count())
    joined = customers.left_join(counts, customers.account_no == counts.account_no)
    return joined.select(
        account_no=customers.account_no,
        complaints_12m=joined.made.fill_null(0).cast("int64"),
    )
