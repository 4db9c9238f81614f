"""The whole rating expression (indicators → score → grade) gives the same results on
DuckDB and on Spark local[2]. Marked ``spark`` (needs Java 17)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ibis
import pytest

from gridcrm.archive.models import Customer
from gridcrm.credit import services
from gridcrm.credit.models import EventKind
from gridcrm.lake import catalog
from tests.conftest import Regions, make_customer
from tests.credit.conftest import AS_OF, LakeWriter

pytestmark = [pytest.mark.spark, pytest.mark.django_db]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return None if value != value else float(f"{value:.9g}")
    return value


def _rows(con: ibis.BaseBackend) -> list[tuple[Any, ...]]:
    customers, _ids = services.customers_arrow()
    expr = services.rating_expr(
        con=con,
        customers=customers,
        events=services.events_arrow(),
        previous=services.previous_arrow(as_of=AS_OF),
        overrides=services.overrides_arrow(as_of=AS_OF),
        models=services.models_by_segment(),
        as_of=AS_OF,
    )
    table = con.to_pyarrow(expr)
    rows = [tuple(_plain(v) for v in r.values()) for r in table.to_pylist()]
    return sorted(rows, key=repr)


def test_duckdb_and_spark_rate_alike(
    lake: LakeWriter, regions: Regions, spark_con: ibis.BaseBackend
) -> None:
    accounts = [f"01000001{i:02d}" for i in range(6)]
    for i, no in enumerate(accounts):
        make_customer(regions.station_a1, no, f"户{i}")
    lake.customer(accounts[0])
    lake.customer(accounts[1], pay=lambda p: [(15, 0.5), (40, 0.5)])
    lake.customer(accounts[2], pay=lambda p: [] if p >= dt.date(2025, 2, 1) else [(-3, 1.0)])
    lake.customer(accounts[3], months=5, kwh=lambda p: 50.0 + p.month)
    lake.customer(accounts[4])
    lake.violation(accounts[4], "theft", dt.date(2025, 1, 5))
    lake.write()
    services.credit_event_record(
        customer=Customer.objects.get(account_no=accounts[5]),
        kind=EventKind.HAZARD_IGNORED,
        occurred_on=dt.date(2025, 5, 1),
        acting_user=None,
    )

    duck = _rows(catalog.connect("duckdb"))
    spark = _rows(spark_con)

    assert len(duck) == 6
    assert spark == duck
