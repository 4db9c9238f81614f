"""Load analytics over the lake's interval readings, as Ibis ``Table → Table`` functions
(engine-agnostic, like :mod:`gridcrm.lake.pipelines`): typical daily curves per season
and day type, the load of groups of customers by slot, and metered load on given days."""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from gridcrm.lake.pipelines import HOURS_PER_INTERVAL
from gridcrm.lake.schemas import LOCAL_UTC_OFFSET_HOURS


def _tagged(readings: ir.Table) -> ir.Table:
    """Readings summed over a customer's meters, with local day, slot, season, day type."""
    per_ts = readings.group_by("account_no", "ts").aggregate(kwh=readings.kwh.sum())
    local = per_ts.ts + ibis.interval(hours=LOCAL_UTC_OFFSET_HOURS)
    month = local.month()
    return per_ts.mutate(
        day=local.date(),
        slot=local.hour() * 4 + local.minute() // 15,
        season=ibis.cases(
            (month.isin([6, 7, 8]), "summer"),
            (month.isin([12, 1, 2]), "winter"),
            else_="spring_autumn",
        ),
        # ISO day of week: Saturday and Sunday are the weekend.
        day_type=ibis.cases((local.day_of_week.index() >= 5, "weekend"), else_="workday"),
        kw=per_ts.kwh / HOURS_PER_INTERVAL,
    )


def typical_curves(readings: ir.Table, *, since: date | None = None) -> ir.Table:
    """Per customer, season, day type and slot (0-95): mean demand (kW) and the number
    of days measured."""
    t = _tagged(readings)
    if since is not None:
        t = t.filter(t.day >= since)
    return t.group_by("account_no", "season", "day_type", "slot").aggregate(
        kw=t.kw.mean(), days=t.day.nunique()
    )


def group_load(readings: ir.Table, groups: ir.Table, *, start: date, end: date) -> ir.Table:
    """Mean demand per group (``groups``: account_no → group) and slot over the local
    days in ``[start, end)``: the sum over the group's customers of their mean by slot."""
    t = _tagged(readings)
    t = t.filter((t.day >= start) & (t.day < end))
    mine = t.inner_join(groups, "account_no")
    days = mine.day.nunique()
    per = mine.group_by("group", "slot").aggregate(kwh=mine.kwh.sum(), days=days)
    return per.select("group", "slot", kw=per.kwh / (per.days.cast("float64") * HOURS_PER_INTERVAL))


def region_group_energy(
    readings: ir.Table, groups: ir.Table, *, start: date, end: date
) -> ir.Table:
    """Energy (kWh) per region, segment, industry class and slot summed over the local
    days in ``[start, end)`` (``groups``: account_no → region_id, segment, industry): the
    cells the regional composition adds up for any region and grouping."""
    t = _tagged(readings)
    t = t.filter((t.day >= start) & (t.day < end))
    mine = t.inner_join(groups, "account_no")
    return mine.group_by("region_id", "segment", "industry", "slot").aggregate(kwh=mine.kwh.sum())


def region_group_days(readings: ir.Table, groups: ir.Table, *, start: date, end: date) -> ir.Table:
    """The local days in ``[start, end)`` with readings of the customers of each region,
    segment and industry class."""
    t = _tagged(readings)
    t = t.filter((t.day >= start) & (t.day < end))
    mine = t.inner_join(groups, "account_no")
    return mine.select("region_id", "segment", "industry", "day").distinct()


def metered_by_slot(readings: ir.Table, accounts: list[str], days: list[date]) -> ir.Table:
    """Demand (kW) per customer, local day and slot for some customers on some days."""
    t = _tagged(readings.filter(readings.account_no.isin(accounts)))
    t = t.filter(t.day.isin(days))
    return t.select("account_no", "day", "slot", "kw")
