"""What the latent-need rules read from other apps, for many accounts at once.

- the monthly power factor from the lake's 15-minute readings: each interval's reactive
  energy is kWh × tan(arccos(pf)), and a month's power factor is
  kWh / √(kWh² + kvarh²) — the weighted monthly figure the power-factor tariff
  adjustment (力调电费) is billed on;
- outages that reached the customer: the lake's outage events on the customer's own
  supply or on its transformer area, the planned-outage notices the service app delivered
  to it, and the fault repairs it reported.

The lake is read on DuckDB whatever ``GRIDCRM_ENGINE`` says: these are small, interactive
reads of a few accounts, not batch pipelines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

from gridcrm.lake import catalog
from gridcrm.lake.schemas import LOCAL_UTC_OFFSET_HOURS
from gridcrm.service.selectors import outage_notice_starts, requests_of_type_since

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer

LOCAL = dt.timedelta(hours=LOCAL_UTC_OFFSET_HOURS)
FAULT_REPAIR = "fault_repair"


@dataclass(frozen=True)
class PowerFactorMonth:
    month: dt.date
    kwh: float
    kvarh: float

    @property
    def power_factor(self) -> float:
        apparent = (self.kwh**2 + self.kvarh**2) ** 0.5
        return self.kwh / apparent if apparent else 1.0


@dataclass(frozen=True)
class OutageEvent:
    """An interruption of the customer's supply, from one of three sources."""

    source: str  # "lake", "notice" or "fault_repair"
    ref: str  # the lake's event id, the notice number, the request number
    at: dt.datetime
    planned: bool

    @property
    def local_day(self) -> dt.date:
        return (self.at.astimezone(dt.UTC) + LOCAL).date()


def _utc_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - LOCAL


def power_factor_months(
    account_nos: Collection[str], *, since: dt.date
) -> dict[str, list[PowerFactorMonth]]:
    """Monthly power factor of each account from ``since`` on, oldest month first."""
    if not account_nos or (catalog.is_local() and not catalog.partition_files("readings")):
        return {}
    con = catalog.connect("duckdb")
    readings = catalog.table(con, "readings")
    readings = readings.filter(
        readings.account_no.isin(sorted(account_nos)),
        readings.ts >= _utc_start(since),
        readings.power_factor.notnull(),
        readings.power_factor > 0,
    )
    local = readings.ts + ibis.interval(hours=LOCAL_UTC_OFFSET_HOURS)
    readings = readings.mutate(
        month=local.truncate("M").date(),
        kvarh=readings.kwh * readings.power_factor.acos().tan(),
    )
    monthly = readings.group_by(["account_no", "month"]).aggregate(
        kwh=readings.kwh.sum(), kvarh=readings.kvarh.sum()
    )
    found: dict[str, list[PowerFactorMonth]] = {}
    for row in monthly.order_by(["account_no", "month"]).to_pyarrow().to_pylist():
        found.setdefault(row["account_no"], []).append(
            PowerFactorMonth(row["month"], float(row["kwh"]), float(row["kvarh"]))
        )
    return found


def _lake_outages(
    customers: Sequence[Customer], start: dt.datetime
) -> dict[int, list[OutageEvent]]:
    if catalog.is_local() and not catalog.partition_files("outages"):
        return {}
    by_account = {c.account_no: c.pk for c in customers}
    by_area: dict[str, list[int]] = {}
    for c in customers:
        if c.transformer_area:
            by_area.setdefault(c.transformer_area, []).append(c.pk)
    con = catalog.connect("duckdb")
    outages = catalog.table(con, "outages")
    own = (outages.scope == "customer") & outages.scope_id.isin(sorted(by_account))
    mine = own
    if by_area:
        mine = own | ((outages.scope == "transformer") & outages.scope_id.isin(sorted(by_area)))
    rows = (
        outages.filter(outages.start_at >= start, mine)
        .select("event_id", "scope", "scope_id", "planned", "start_at")
        .to_pyarrow()
        .to_pylist()
    )
    found: dict[int, list[OutageEvent]] = {}
    for row in rows:
        pks = (
            [by_account[row["scope_id"]]]
            if row["scope"] == "customer"
            else by_area.get(row["scope_id"], [])
        )
        event = OutageEvent("lake", row["event_id"], row["start_at"], bool(row["planned"]))
        for pk in pks:
            found.setdefault(pk, []).append(event)
    return found


def outage_events(customers: Sequence[Customer], *, since: dt.date) -> dict[int, list[OutageEvent]]:
    """Outages that reached each customer from ``since`` on, oldest first, by customer pk."""
    if not customers:
        return {}
    start = _utc_start(since)
    found = _lake_outages(customers, start)
    pks = [c.pk for c in customers]
    for customer_id, notice_id, starts in outage_notice_starts(customer_ids=pks, since=start):
        found.setdefault(customer_id, []).append(
            OutageEvent("notice", str(notice_id), starts, planned=True)
        )
    repairs = requests_of_type_since(customer_ids=pks, type_code=FAULT_REPAIR, since=start)
    for customer_id, request_id, created in repairs:
        found.setdefault(customer_id, []).append(
            OutageEvent("fault_repair", str(request_id), created, planned=False)
        )
    for events in found.values():
        events.sort(key=lambda e: (e.at, e.source, e.ref))
    return found
