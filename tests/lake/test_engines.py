"""Every pipeline gives the same results on DuckDB and on Spark (local[2]) over one lake.

Marked ``spark``: it needs Java 17. CI runs it; ``-m "not spark"`` deselects it.
Floating-point sums may differ in the last bits with the order of addition, so
floats are compared to 12 significant digits; everything else exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from gridcrm.lake import catalog, pipelines
from gridcrm.service import pipelines as service_pipelines
from tests.lake import facts

pytestmark = pytest.mark.spark

Pipeline = Callable[[ibis.BaseBackend], ibis.Table]


def _t(con: ibis.BaseBackend, name: str) -> ibis.Table:
    return catalog.table(con, name)


# Service requests as the database extract gives them (``service.complaints``): two
# complaints of A in the 12 months before AS_OF, one before them, an enquiry of B.
REQUESTS = pa.table(
    {
        "account_no": [facts.A, facts.A, facts.A, facts.B],
        "category": ["complaint", "complaint", "complaint", "enquiry"],
        "opened_on": pa.array(
            [dt.date(2024, 1, 5), dt.date(2023, 9, 1), dt.date(2022, 12, 1), dt.date(2024, 1, 9)],
            pa.date32(),
        ),
    }
)
CUSTOMERS = pa.table({"account_no": [facts.A, facts.B]})

PIPELINES: dict[str, Pipeline] = {
    "daily_load": lambda c: pipelines.daily_load(_t(c, "readings")),
    "daily_periods": lambda c: pipelines.daily_periods(_t(c, "readings")),
    "load_shape": lambda c: pipelines.load_shape(pipelines.daily_load(_t(c, "readings"))),
    "billed_consumption": lambda c: pipelines.billed_consumption(_t(c, "bills")),
    "with_trend": lambda c: pipelines.with_trend(pipelines.billed_consumption(_t(c, "bills"))),
    "customer_month_features": lambda c: pipelines.customer_month_features(
        _t(c, "bills"), _t(c, "readings")
    ),
    "effective_payments": lambda c: pipelines.effective_payments(
        _t(c, "payments"), as_of=facts.AS_OF
    ),
    "bill_settlement": lambda c: pipelines.bill_settlement(
        _t(c, "bills"), _t(c, "payments"), as_of=facts.AS_OF
    ),
    "payment_behaviour": lambda c: pipelines.payment_behaviour(
        _t(c, "bills"), _t(c, "payments"), as_of=facts.AS_OF
    ),
    "payment_behaviour_later": lambda c: pipelines.payment_behaviour(
        _t(c, "bills"), _t(c, "payments"), as_of=dt.date(2024, 6, 30)
    ),
    "complaints_12m": lambda c: service_pipelines.complaints_12m(
        ibis.memtable(CUSTOMERS), ibis.memtable(REQUESTS), as_of=facts.AS_OF
    ),
}


def _plain(value: Any) -> Any:
    """One engine-neutral form of a value: dates as dates, numbers rounded, NaN as None."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) and value.tzinfo is None else value
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, float):
        return None if value != value else float(f"{value:.12g}")
    return value


def results(con: ibis.BaseBackend, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    table = con.to_pyarrow(PIPELINES[name](con))
    rows = [tuple(_plain(v) for v in row.values()) for row in table.to_pylist()]
    return table.column_names, sorted(rows, key=repr)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_duckdb_and_spark_give_identical_results(
    name: str, small_lake: Path, spark_con: ibis.BaseBackend
) -> None:
    duck_columns, duck_rows = results(catalog.connect("duckdb"), name)
    spark_columns, spark_rows = results(spark_con, name)

    assert spark_columns == duck_columns
    assert len(duck_rows) > 0
    assert spark_rows == duck_rows
