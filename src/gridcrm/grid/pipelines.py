"""Grid health over the lake, as Ibis ``Table → Table`` functions (engine-agnostic, like
:mod:`gridcrm.lake.pipelines`): the same expression runs on DuckDB and on Spark.

Besides the lake's ``readings`` and ``outages`` they read small tables the registry
gives (``grid.health_sources``), all keyed by codes, never by OLTP keys:

- ``placements`` (account_no, meter_no, transformer): which transformer a reading's
  energy flows through. ``meter_no`` is the meter's serial, or ``ANY_METER`` for a
  customer whose metering points are all on one transformer: then every meter of the
  account is placed there, known to the registry or not. A reading placed nowhere (a
  meter the registry does not know of a customer on several transformers, an account
  with no metering point) is left out of every load: it cannot be put on a transformer;
- ``transformers`` (transformer, feeder, kva, dedicated, test_due, meters_overdue):
  ``test_due`` is the day the next preventive test is due (null: never tested),
  ``meters_overdue`` how many meters on it are past their verification date;
- ``links`` (account_no, transformer): every customer on every transformer it is on;
- ``customers`` (account_no, meters_overdue, important_gaps).

**Load rate.** Per transformer and 15-minute interval, P = Σ kWh × 4 (kW) over the
readings placed on it, Q = Σ kWh × tan(φ) × 4 (kvar) with each reading's own power
factor (``PF_ASSUMED`` where the reading has none), S = √(P² + Q²) and the load rate is
S ÷ kVA. An interval no placed meter reported is *missing*: it has no load rate and
breaks a run. A **heavy-load event** is a run of at least ``MIN_RUN`` consecutive
intervals (2 hours) above ``HEAVY`` (80 %), an **overload event** one above
``OVERLOAD`` (100 %); an overload is thus also a heavy load. An event belongs to the
local month it starts in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import ibis
import ibis.expr.types as ir

from gridcrm.lake.pipelines import IntegerQuotient, UnixMicros
from gridcrm.lake.schemas import LOCAL_UTC_OFFSET_HOURS

ANY_METER = "*"
PF_ASSUMED = 0.9
"""The power factor of a reading that has none (the usual 力调 standard)."""
PF_STANDARD = 0.9
"""Below this monthly power factor a customer or transformer loses points."""
HEAVY = 0.8
OVERLOAD = 1.0
MIN_RUN = 8
INTERVAL_US = 900_000_000
INTERVALS_PER_DAY = 96
LOCAL_OFFSET_INTERVALS = LOCAL_UTC_OFFSET_HOURS * 4

# Points lost per reason: (points per occurrence, most points in all). Words for people
# are in ``grid.health.REASONS``.
POINTS: dict[str, dict[str, tuple[float, float]]] = {
    "transformer": {
        "overload": (25, 50),
        "heavy_load": (10, 30),
        "low_power_factor": (10, 10),
        "outages": (5, 20),
        "test_overdue": (15, 15),
        "meter_overdue": (5, 15),
        "no_readings": (10, 10),
    },
    "feeder": {
        "transformer_overload": (10, 40),
        "transformer_heavy": (5, 20),
        "outages": (5, 30),
        "test_overdue": (3, 15),
        "important_gap": (10, 30),
    },
    "customer": {
        "low_power_factor": (15, 15),
        "outages": (5, 20),
        "meter_overdue": (10, 10),
        "important_gap": (30, 30),
        "transformer_overload": (10, 10),
        "test_overdue": (10, 10),
    },
}


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(
        hours=LOCAL_UTC_OFFSET_HOURS
    )


def _micros(ts: ir.TimestampValue) -> ir.IntegerValue:
    result: ir.IntegerValue = UnixMicros(ts).to_expr()
    return result


def _quotient(left: ir.IntegerValue, right: int) -> ir.IntegerValue:
    result: ir.IntegerValue = IntegerQuotient(left, ibis.literal(right, "int64")).to_expr()
    return result


def _month_of_interval(n: ir.IntegerValue) -> ir.DateValue:
    """The first day of the local month of interval number ``n`` (since 1970, UTC)."""
    day_no = _quotient(n + LOCAL_OFFSET_INTERVALS, INTERVALS_PER_DAY)
    day = (ibis.date(1970, 1, 1) + day_no.as_interval("D")).cast("date")
    result: ir.DateValue = day.truncate("M").cast("date")
    return result


def _pf(p: ir.NumericValue, q: ir.NumericValue) -> ir.FloatingValue:
    apparent = (p * p + q * q).sqrt()
    result: ir.FloatingValue = ibis.cases((apparent > 0, p / apparent), else_=ibis.null("float64"))
    return result


def _union(*tables: ir.Table) -> ir.Table:
    """The rows of all ``tables`` (same columns), whatever the nullability of their inputs."""
    loose = [t.cast({n: d.copy(nullable=True) for n, d in t.schema().items()}) for t in tables]
    return ibis.union(*loose)


def _placed(readings: ir.Table, placements: ir.Table, *, start: date, end: date) -> ir.Table:
    """The readings of local days ``[start, end)`` with their transformer, interval number,
    kWh and kvarh (each reading its own power factor, ``PF_ASSUMED`` without one)."""
    r = readings.filter(readings.ts >= _utc(start), readings.ts < _utc(end))
    pf = ibis.cases(
        (r.power_factor.notnull() & (r.power_factor > 0), r.power_factor), else_=PF_ASSUMED
    )
    rows = r.select(
        "account_no",
        "meter_no",
        n=_quotient(_micros(r.ts), INTERVAL_US),
        kwh=r.kwh,
        kvarh=r.kwh * (1.0 / (pf * pf) - 1.0).sqrt(),
    )
    p = placements.select(
        p_account=placements.account_no,
        p_meter=placements.meter_no,
        transformer=placements.transformer,
    )
    joined = rows.inner_join(
        p,
        [
            rows.account_no == p.p_account,
            (p.p_meter == ANY_METER) | (p.p_meter == rows.meter_no),
        ],
    )
    result: ir.Table = joined.select("transformer", "account_no", "n", "kwh", "kvarh")
    return result


def transformer_intervals(
    readings: ir.Table, placements: ir.Table, transformers: ir.Table, *, start: date, end: date
) -> ir.Table:
    """Per transformer and metered 15-minute interval ``n`` (since 1970): kW, kvar and
    the load rate (apparent power ÷ kVA; null for a transformer without a capacity)."""
    placed = _placed(readings, placements, start=start, end=end)
    per = placed.group_by("transformer", "n").aggregate(
        kw=placed.kwh.sum() * 4.0, kvar=placed.kvarh.sum() * 4.0
    )
    t = transformers.select("transformer", "kva")
    j = per.inner_join(t, "transformer")
    return j.select(
        "transformer",
        "n",
        "kw",
        "kvar",
        load_rate=ibis.cases(
            (j.kva > 0, (j.kw * j.kw + j.kvar * j.kvar).sqrt() / j.kva.cast("float64")),
            else_=ibis.null("float64"),
        ),
    )


def _runs(intervals: ir.Table, above: float, kind: str) -> ir.Table:
    """Runs of at least ``MIN_RUN`` consecutive intervals with a load rate above
    ``above``: consecutive numbers minus their rank are constant along a run."""
    hot = intervals.filter(intervals.load_rate > above)
    rank = ibis.row_number().over(group_by=hot.transformer, order_by=hot.n)
    hot = hot.mutate(run=hot.n - rank)
    runs = hot.group_by("transformer", "run").aggregate(first=hot.n.min(), length=hot.n.count())
    runs = runs.filter(runs.length >= MIN_RUN)
    return runs.select(
        "transformer",
        month=_month_of_interval(runs.first),
        kind=ibis.literal(kind),
        length=runs.length,
    )


def load_events(
    readings: ir.Table, placements: ir.Table, transformers: ir.Table, *, start: date, end: date
) -> ir.Table:
    """Per transformer with readings and local month: metered intervals, the highest load
    rate, the power factor (Σ kW ÷ √(Σ kW² + Σ kvar²) over the month), heavy-load and
    overload events and their hours (see the module's docstring)."""
    per = transformer_intervals(readings, placements, transformers, start=start, end=end)
    days = per.group_by(
        "transformer", day_no=_quotient(per.n + LOCAL_OFFSET_INTERVALS, 96)
    ).aggregate(
        intervals=per.count(), max_rate=per.load_rate.max(), kw=per.kw.sum(), kvar=per.kvar.sum()
    )
    days = days.mutate(
        month=(ibis.date(1970, 1, 1) + days.day_no.as_interval("D")).cast("date").truncate("M")
    )
    months = days.group_by("transformer", month=days.month.cast("date")).aggregate(
        intervals=days.intervals.sum(),
        max_load_rate=days.max_rate.max(),
        kw=days.kw.sum(),
        kvar=days.kvar.sum(),
    )
    events = _union(_runs(per, HEAVY, "heavy"), _runs(per, OVERLOAD, "overload"))
    counted = events.group_by("transformer", "month").aggregate(
        heavy_events=(events.kind == "heavy").cast("int64").sum(),
        heavy_hours=events.length.sum(where=events.kind == "heavy") / 4.0,
        overload_events=(events.kind == "overload").cast("int64").sum(),
        overload_hours=events.length.sum(where=events.kind == "overload") / 4.0,
    )
    j = months.left_join(counted, ["transformer", "month"])
    return j.select(
        "transformer",
        "month",
        "intervals",
        "max_load_rate",
        power_factor=_pf(j.kw, j.kvar),
        heavy_events=j.heavy_events.coalesce(0),
        heavy_hours=j.heavy_hours.coalesce(0.0),
        overload_events=j.overload_events.coalesce(0),
        overload_hours=j.overload_hours.coalesce(0.0),
    )


def customer_power_factor(readings: ir.Table, *, start: date, end: date) -> ir.Table:
    """Per customer with readings in local days ``[start, end)``: kWh, kvarh and the
    weighted power factor kWh ÷ √(kWh² + kvarh²) (the figure 力调电费 is billed on)."""
    r = readings.filter(readings.ts >= _utc(start), readings.ts < _utc(end))
    pf = ibis.cases(
        (r.power_factor.notnull() & (r.power_factor > 0), r.power_factor), else_=PF_ASSUMED
    )
    rows = r.select("account_no", kwh=r.kwh, kvarh=r.kwh * (1.0 / (pf * pf) - 1.0).sqrt())
    per = rows.group_by("account_no").aggregate(kwh=rows.kwh.sum(), kvarh=rows.kvarh.sum())
    return per.select("account_no", "kwh", "kvarh", power_factor=_pf(per.kwh, per.kvarh))


def outage_stats(
    outages: ir.Table, transformers: ir.Table, links: ir.Table, *, start: date, end: date
) -> ir.Table:
    """Per element (``transformer``, ``feeder``, ``customer``) and code: the outages that
    cut its supply in local days ``[start, end)`` (the part inside; an ongoing outage runs
    to ``end``), their minutes and customer-minutes (minutes × the customers behind).

    A transformer's supply is cut by an outage on it or on its feeder; a feeder's
    customers by one on the feeder or on any of its transformers; a customer's by one on
    its own supply, any of its transformers or their feeders. Events on codes the
    registry does not know are left out.
    """
    lo, hi = _utc(start), _utc(end)
    o = outages.filter(outages.start_at < hi, outages.end_at.isnull() | (outages.end_at > lo))
    lo_us, hi_us = ibis.literal(int(lo.timestamp() * 1e6)), ibis.literal(int(hi.timestamp() * 1e6))
    began = ibis.greatest(_micros(o.start_at), lo_us)
    ended = ibis.least(_micros(o.end_at.coalesce(hi)), hi_us)
    o = o.select("event_id", "scope", "scope_id", minutes=(ended - began).cast("float64") / 60e6)
    behind = links.group_by("transformer").aggregate(customers=links.account_no.nunique())
    t = transformers.select("transformer", "feeder").left_join(behind, "transformer")
    t = t.select("transformer", "feeder", customers=t.customers.coalesce(0))
    per_feeder = t.group_by("feeder").aggregate(customers=t.customers.sum())
    on_t = o.filter(o.scope == "transformer")
    on_f = o.filter(o.scope == "feeder")
    # Each (event, transformer) once: the transformer's own events and its feeder's.
    t_own = on_t.inner_join(t, on_t.scope_id == t.transformer).select(
        "event_id", "minutes", "transformer", "feeder", "customers"
    )
    t_line = on_f.inner_join(t, on_f.scope_id == t.feeder).select(
        "event_id", "minutes", "transformer", "feeder", "customers"
    )
    hits = _union(t_own, t_line)
    by_t = hits.group_by("transformer").aggregate(
        outages=hits.event_id.nunique(),
        minutes=hits.minutes.sum(),
        customer_minutes=(hits.minutes * hits.customers).sum(),
    )
    f_line = on_f.inner_join(per_feeder, on_f.scope_id == per_feeder.feeder).select(
        "event_id", "feeder", cm=on_f.minutes * per_feeder.customers
    )
    f_own_t = t_own.select("event_id", "feeder", cm=t_own.minutes * t_own.customers)
    f_hits = _union(f_line, f_own_t)
    by_f = f_hits.group_by("feeder").aggregate(
        outages=f_hits.event_id.nunique(), customer_minutes=f_hits.cm.sum()
    )
    on_c = o.filter(o.scope == "customer")
    c_hits = _union(
        on_c.select("event_id", "minutes", account_no=on_c.scope_id),
        hits.inner_join(links, "transformer").select("event_id", "minutes", "account_no"),
    ).distinct()
    known = links.select("account_no").distinct()
    c_hits = c_hits.inner_join(known, "account_no")
    by_c = c_hits.group_by("account_no").aggregate(
        outages=c_hits.event_id.count(), minutes=c_hits.minutes.sum()
    )
    return _union(
        by_t.select(
            element=ibis.literal("transformer"),
            code=by_t.transformer,
            outages=by_t.outages,
            minutes=by_t.minutes,
            customer_minutes=by_t.customer_minutes,
        ),
        by_f.select(
            element=ibis.literal("feeder"),
            code=by_f.feeder,
            outages=by_f.outages,
            minutes=ibis.null("float64"),
            customer_minutes=by_f.customer_minutes,
        ),
        by_c.select(
            element=ibis.literal("customer"),
            code=by_c.account_no,
            outages=by_c.outages,
            minutes=by_c.minutes,
            customer_minutes=by_c.minutes,
        ),
    )


# -- health scores ------------------------------------------------------------------------
#
# 100 minus the points lost per reason (``POINTS``: per occurrence, capped), never below 0.
# Each ``lost_<reason>`` column stays in the result: the reason codes are read from them.


def _lost(element: str, reason: str, count: ir.NumericValue) -> ir.FloatingValue:
    per, cap = POINTS[element][reason]
    result: ir.FloatingValue = ibis.least(count.cast("float64") * per, cap)
    return result


def _scored(t: ir.Table, element: str, counts: dict[str, ir.NumericValue]) -> ir.Table:
    lost = {f"lost_{reason}": _lost(element, reason, counts[reason]) for reason in POINTS[element]}
    total: ir.FloatingValue = ibis.literal(0.0)
    for value in lost.values():
        total += value
    return t.mutate(**lost).mutate(score=ibis.greatest(100.0 - total, 0.0))


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    result: ir.IntegerValue = condition.fill_null(False).cast("int64")
    return result


def transformer_health(
    events: ir.Table, outages: ir.Table, transformers: ir.Table, *, as_of: date
) -> ir.Table:
    """Per transformer of the registry: its figures over the window (``events`` of
    :func:`load_events`, ``outages`` of :func:`outage_stats`), its test due as of
    ``as_of``, the points it lost per reason and its score."""
    ev = events.group_by("transformer").aggregate(
        intervals=events.intervals.sum(),
        max_load_rate=events.max_load_rate.max(),
        power_factor=events.power_factor.min(),
        heavy_events=events.heavy_events.sum(),
        overload_events=events.overload_events.sum(),
    )
    o = outages.filter(outages.element == "transformer")
    out = o.select(transformer=o.code, outages=o.outages, customer_minutes=o.customer_minutes)
    j = transformers.left_join(ev, "transformer").left_join(out, "transformer")
    t = j.select(
        "transformer",
        "feeder",
        "dedicated",
        intervals=j.intervals.coalesce(0),
        max_load_rate=j.max_load_rate,
        power_factor=j.power_factor,
        heavy_events=j.heavy_events.coalesce(0),
        overload_events=j.overload_events.coalesce(0),
        outages=j.outages.coalesce(0),
        customer_minutes=j.customer_minutes.coalesce(0.0),
        test_overdue=j.test_due.isnull() | (j.test_due < as_of),
        meters_overdue=j.meters_overdue,
    )
    return _scored(
        t,
        "transformer",
        {
            "overload": t.overload_events,
            "heavy_load": t.heavy_events,
            "low_power_factor": _flag(t.power_factor < PF_STANDARD),
            "outages": t.outages,
            "test_overdue": _flag(t.test_overdue),
            "meter_overdue": t.meters_overdue,
            "no_readings": _flag(t.intervals == 0),
        },
    )


def feeder_health(
    transformer_scores: ir.Table, outages: ir.Table, links: ir.Table, customers: ir.Table
) -> ir.Table:
    """Per feeder with transformers: transformers overloaded, heavy-loaded and past their
    test (of :func:`transformer_health`), outages and customer-minutes, important
    customers behind it with a compliance gap; points lost and score."""
    ts = transformer_scores
    per = ts.group_by("feeder").aggregate(
        transformers=ts.count(),
        overloaded=_flag(ts.overload_events > 0).sum(),
        heavy=_flag(ts.heavy_events > 0).sum(),
        tests_overdue=_flag(ts.test_overdue).sum(),
    )
    gaps = customers.filter(customers.important_gaps > 0).select("account_no")
    on = links.inner_join(gaps, "account_no").inner_join(
        ts.select("transformer", "feeder"), "transformer"
    )
    gap_count = on.group_by("feeder").aggregate(important_gaps=on.account_no.nunique())
    o = outages.filter(outages.element == "feeder")
    out = o.select(feeder=o.code, outages=o.outages, customer_minutes=o.customer_minutes)
    j = per.left_join(gap_count, "feeder").left_join(out, "feeder")
    f = j.select(
        "feeder",
        "transformers",
        "overloaded",
        "heavy",
        "tests_overdue",
        important_gaps=j.important_gaps.coalesce(0),
        outages=j.outages.coalesce(0),
        customer_minutes=j.customer_minutes.coalesce(0.0),
    )
    return _scored(
        f,
        "feeder",
        {
            "transformer_overload": f.overloaded,
            "transformer_heavy": f.heavy,
            "outages": f.outages,
            "test_overdue": f.tests_overdue,
            "important_gap": f.important_gaps,
        },
    )


def customer_health(
    customers: ir.Table,
    power_factors: ir.Table,
    outages: ir.Table,
    links: ir.Table,
    transformer_scores: ir.Table,
) -> ir.Table:
    """Per customer of ``customers``: its power factor (:func:`customer_power_factor`),
    outages, meters past verification, important-customer gaps, whether a transformer
    it is on was overloaded or (a dedicated one) is past its test; points lost, score."""
    ts = transformer_scores
    mine = links.inner_join(
        ts.select("transformer", "overload_events", "test_overdue", "dedicated"), "transformer"
    )
    per = mine.group_by("account_no").aggregate(
        overloaded=_flag(mine.overload_events > 0).max(),
        own_test_overdue=_flag(mine.test_overdue & mine.dedicated).max(),
    )
    pf = power_factors.select("account_no", "power_factor")
    o = outages.filter(outages.element == "customer")
    out = o.select(account_no=o.code, outages=o.outages, outage_minutes=o.minutes)
    j = (
        customers.left_join(pf, "account_no")
        .left_join(out, "account_no")
        .left_join(per, "account_no")
    )
    c = j.select(
        "account_no",
        "meters_overdue",
        "important_gaps",
        power_factor=j.power_factor,
        outages=j.outages.coalesce(0),
        outage_minutes=j.outage_minutes.coalesce(0.0),
        transformer_overloaded=j.overloaded.coalesce(0),
        test_overdue=j.own_test_overdue.coalesce(0),
    )
    return _scored(
        c,
        "customer",
        {
            "low_power_factor": _flag(c.power_factor < PF_STANDARD),
            "outages": c.outages,
            "meter_overdue": _flag(c.meters_overdue > 0),
            "important_gap": _flag(c.important_gaps > 0),
            "transformer_overload": c.transformer_overloaded,
            "test_overdue": c.test_overdue,
        },
    )
