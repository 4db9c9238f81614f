"""The archive's complaints in 12 months, derived from the service requests: the pipeline
checked by hand, the write-back, and the lake's daily run that feeds it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from gridcrm.archive.models import Customer, FieldChange
from gridcrm.service.complaints import complaints_refresh
from gridcrm.service.pipelines import complaints_12m
from gridcrm.service.services import request_create
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer
from tests.lake.conftest import small_lake, small_lake_root  # noqa: F401 - the facts' lake
from tests.service.conftest import local, rtype

AS_OF = dt.date(2026, 6, 30)


def _figures(customers: list[str], requests: list[tuple[str, str, dt.date]]) -> dict[str, int]:
    accounts, categories, days = zip(*requests, strict=True) if requests else ((), (), ())
    expr = complaints_12m(
        ibis.memtable(pa.table({"account_no": pa.array(customers, pa.string())})),
        ibis.memtable(
            pa.table(
                {
                    "account_no": pa.array(accounts, pa.string()),
                    "category": pa.array(categories, pa.string()),
                    "opened_on": pa.array(days, pa.date32()),
                }
            )
        ),
        as_of=AS_OF,
    )
    table = ibis.duckdb.connect().to_pyarrow(expr)
    return dict(
        zip(table["account_no"].to_pylist(), table["complaints_12m"].to_pylist(), strict=True)
    )


def test_it_counts_complaints_of_the_12_months_before_the_day_and_nothing_else() -> None:
    figures = _figures(
        ["A", "B", "C", "D"],
        [
            ("A", "complaint", dt.date(2026, 6, 30)),  # on the day itself
            ("A", "complaint", dt.date(2025, 6, 30)),  # the window's first day
            ("A", "complaint", dt.date(2025, 5, 30)),  # 13 months before: not counted
            ("A", "complaint", dt.date(2026, 7, 1)),  # after the day: not counted
            ("B", "enquiry", dt.date(2026, 6, 1)),  # an enquiry is no complaint
            ("C", "complaint", dt.date(2025, 6, 29)),  # one day too early
        ],
    )

    assert figures == {"A": 2, "B": 0, "C": 0, "D": 0}


def test_a_customer_without_requests_has_zero() -> None:
    assert _figures(["A"], []) == {"A": 0}


def _request(customer: Customer, code: str, at: dt.datetime, agent: User) -> None:
    request_create(
        customer=customer,
        request_type=rtype(code),
        channel="phone",
        summary="测试",
        acting_user=agent,
        now=at,
    )


@pytest.fixture
def lake(settings: Any, tmp_path: Path) -> Path:
    settings.LAKE_URL = str(tmp_path / "lake")
    return tmp_path / "lake"


@pytest.fixture
def third(regions: Regions) -> Customer:
    return make_customer(regions.station_a2, "0100000003", "李秀英")


def _stored() -> dict[str, int | None]:
    return dict(Customer.objects.values_list("account_no", "complaints_12m"))


def test_the_refresh_writes_every_customers_figure_and_changes_exactly_those_it_moves(
    lake: Path,
    agent: User,
    customer_a: Customer,
    customer_b: Customer,
    third: Customer,
) -> None:
    _request(customer_a, "complaint", local(2026, 3, 2, 9), agent)
    _request(customer_a, "complaint", local(2026, 6, 1, 10), agent)
    _request(customer_a, "complaint", local(2025, 5, 12, 10), agent)  # 13 months before
    _request(customer_b, "enquiry", local(2026, 6, 2, 10), agent)

    assert complaints_refresh(as_of=AS_OF) == 3  # every figure is new
    assert _stored() == {"0100000001": 2, "0200000001": 0, "0100000003": 0}
    # A first figure is no change anybody needs in the history.
    assert not FieldChange.objects.filter(field="complaints_12m").exists()
    assert complaints_refresh(as_of=AS_OF) == 0

    _request(third, "complaint", local(2026, 6, 29, 15), agent)

    assert complaints_refresh(as_of=AS_OF) == 1
    assert _stored() == {"0100000001": 2, "0200000001": 0, "0100000003": 1}
    history = FieldChange.objects.get(field="complaints_12m")
    assert (history.customer_id, history.old_value, history.new_value, history.kind) == (
        third.pk,
        "0",
        "1",
        FieldChange.Kind.DERIVED,
    )
    assert history.acting_user is None

    # A year on, customer A's complaints have aged out of the window; the third's has not.
    assert complaints_refresh(as_of=dt.date(2027, 6, 2)) == 1
    assert _stored() == {"0100000001": 0, "0200000001": 0, "0100000003": 1}


@pytest.mark.usefixtures("small_lake")
def test_the_lakes_daily_run_feeds_the_figure(
    agent: User, customer_a: Customer, customer_b: Customer
) -> None:
    from gridcrm.lake.services import pipelines_run

    _request(customer_a, "complaint", local(2026, 6, 1, 10), agent)

    pipelines_run(engine="duckdb", as_of=AS_OF)

    assert _stored() == {"0100000001": 1, "0200000001": 0}


def test_the_figure_shows_on_the_customer_page_and_in_completeness(
    lake: Path, agent: User, customer_a: Customer, client: Any
) -> None:
    _request(customer_a, "complaint", local(2026, 6, 1, 10), agent)
    complaints_refresh(as_of=AS_OF)
    client.force_login(agent)

    rates = client.get("/api/fields/completeness").json()["by_field"]["complaints_12m"]
    fields = client.get(f"/api/customers/{customer_a.account_no}/archive").json()["fields"]
    field = next(f for f in fields if f["name"] == "complaints_12m")

    assert rates["filled"] == rates["applicable"] == 1
    assert (field["value"], field["missing"]) == ("1", False)
    assert client.get(customer_a.get_absolute_url()).status_code == 200
