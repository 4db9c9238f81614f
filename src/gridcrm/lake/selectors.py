"""Reads of the lake for pages and the API; customer data only through the scoping selector."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_get_visible
from gridcrm.lake import catalog
from gridcrm.lake.errors import MayNotImportFacts, MayNotViewLake
from gridcrm.lake.models import LakeImport, MonthlyLoadFeature, PaymentBehaviour
from gridcrm.lake.schemas import LOCAL_UTC_OFFSET_HOURS, fact_schema
from gridcrm.lake.sqltext import lake_relation

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

LOCAL = timedelta(hours=LOCAL_UTC_OFFSET_HOURS)


def can_view_lake(*, user: User | AnonymousUser) -> bool:
    return user.is_active and user.has_perm("lake.view_lake")


def can_import_facts(*, user: User | AnonymousUser) -> bool:
    return user.is_active and user.has_perm("lake.import_facts")


def require_view_lake(*, user: User | AnonymousUser) -> None:
    """Refuse (``lake.may_not_view``) a user who may not see the fact lake."""
    if not can_view_lake(user=user):
        raise MayNotViewLake(_("You may not see the fact lake."))


def require_import_facts(*, user: User | AnonymousUser) -> None:
    """Refuse (``lake.may_not_import``) a user who may not import facts."""
    if not can_import_facts(user=user):
        raise MayNotImportFacts(_("You may not import facts."))


def lake_overview() -> list[catalog.TableInfo]:
    """Every fact table with its partitions, files, rows and freshness."""
    return catalog.lake_tables()


def lake_imports_visible_to(*, user: User) -> QuerySet[LakeImport]:
    """Everyone who may see the lake sees every import; others only their own."""
    imports = LakeImport.objects.select_related("created_by", "job")
    if can_view_lake(user=user):
        return imports
    return imports.filter(created_by=user)


def visible_customer(*, user: User | AnonymousUser, account_no: str) -> Customer:
    """A customer the user may see, or ``NotFound`` (``archive.customer_not_found``)."""
    return customer_get_visible(user=user, account_no=account_no)


@dataclass(frozen=True)
class LoadCurve:
    """A customer's demand (kW, the 15-minute kWh × 4) in local time, and a typical day."""

    account_no: str
    times: list[str]
    kw: list[float]
    typical_kw: list[float | None]
    """Mean demand by quarter of the day (96 values, 00:00 first) over the last 30 days."""
    start: str
    end: str

    @property
    def empty(self) -> bool:
        return not self.times


def load_curve(*, customer: Customer, days: int = 7) -> LoadCurve:
    """The last ``days`` days of a customer's readings (summed over its meters)."""
    files = catalog.partition_files("readings")
    empty = LoadCurve(customer.account_no, [], [], [], "", "")
    if not files:
        return empty
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.read_parquet([str(p) for p in files]).filter(
        duckdb.ColumnExpression("account_no") == duckdb.ConstantExpression(customer.account_no)
    ).select("ts, kwh").create_view("mine")
    row = con.execute("SELECT max(ts) FROM mine").fetchone()
    last: datetime | None = row[0] if row else None
    if last is None:
        return empty
    last = last.astimezone(UTC)
    since = last - timedelta(days=days) + timedelta(minutes=15)
    series = con.execute(
        "SELECT ts, sum(kwh) * 4 FROM mine WHERE ts >= ? GROUP BY ts ORDER BY ts", [since]
    ).fetchall()
    typical = dict(
        con.execute(
            """SELECT (hour(ts + INTERVAL 8 HOUR) * 4 + minute(ts) // 15) AS q, avg(kw) FROM
            (SELECT ts, sum(kwh) * 4 AS kw FROM mine WHERE ts >= ? GROUP BY ts) GROUP BY q""",
            [last - timedelta(days=30)],
        ).fetchall()
    )
    con.close()

    def local(ts: datetime) -> str:
        return (ts.astimezone(UTC) + LOCAL).strftime("%Y-%m-%d %H:%M")

    return LoadCurve(
        account_no=customer.account_no,
        times=[local(ts) for ts, _ in series],
        kw=[round(float(kw), 3) for _, kw in series],
        typical_kw=[
            None if typical.get(q) is None else round(float(typical[q]), 3) for q in range(96)
        ],
        start=local(series[0][0]) if series else "",
        end=local(series[-1][0]) if series else "",
    )


def customer_load_features(*, customer: Customer, months: int = 13) -> list[MonthlyLoadFeature]:
    """The customer's latest monthly load features, oldest first."""
    latest = list(MonthlyLoadFeature.objects.filter(customer=customer).order_by("-month")[:months])
    return latest[::-1]


def customer_payment_behaviour(*, customer: Customer) -> PaymentBehaviour | None:
    return PaymentBehaviour.objects.filter(customer=customer).first()


def load_features_of(*, customer_ids: list[int]) -> dict[int, list[MonthlyLoadFeature]]:
    """Every monthly load feature of these customers, oldest month first, by customer id."""
    found: dict[int, list[MonthlyLoadFeature]] = {}
    for feature in MonthlyLoadFeature.objects.filter(customer_id__in=customer_ids).order_by(
        "month"
    ):
        found.setdefault(feature.customer_id, []).append(feature)
    return found


def account_facts(*, table: str, account_no: str) -> list[dict[str, Any]]:
    """One customer's facts of ``table`` (bills, payments…), oldest first by the table's
    month column, as plain rows. The caller has checked that the customer is visible."""
    schema = fact_schema(table)
    files = catalog.partition_files(table) if catalog.is_local() else []
    if not files:
        return []
    con = duckdb.connect()
    try:
        lake_relation(con, schema, files).create_view("facts")
        cursor = con.execute(
            f"SELECT * FROM facts WHERE account_no = ? ORDER BY {schema.month_of}",  # noqa: S608
            [account_no],
        )
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
