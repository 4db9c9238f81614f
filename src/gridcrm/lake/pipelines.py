"""Analytics over the fact lake, written once as Ibis expressions.

Every public function here is a pure ``Table → Table`` function (plus plain
parameters): it names no path and no engine, so the same expression runs on DuckDB
in-process or on Spark (``catalog.connect``). ``tests/lake/test_engines.py`` runs each
one on both engines over the same lake and asserts the same results.

Local time is UTC+8 all year (Asia/Shanghai has no daylight saving time), so local
clock values are ``ts + 8 hours`` on every engine, without time-zone functions whose
behaviour differs between engines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from gridcrm.lake.schemas import LOCAL_UTC_OFFSET_HOURS

HOURS_PER_INTERVAL = 0.25

# The time-of-use (分时电价) clock used to split interval readings into periods.
# Modelled on Shanxi's schedule since 2023: a midday valley for solar, evening peak,
# and a critical peak (尖峰) 18:00-20:00 in the summer and winter months.
SHARP_MONTHS = (1, 7, 8, 12)
SHARP_HOURS = (18, 19)
PEAK_HOURS = (8, 9, 10, 17, 18, 19, 20, 21, 22)
VALLEY_HOURS = (0, 1, 2, 3, 4, 5, 6, 11, 12, 23)
TOU_PERIODS = ("sharp", "peak", "flat", "valley")

FEATURE_COLUMNS = (
    "account_no",
    "month",
    "kwh_total",
    "kwh_sharp",
    "kwh_peak",
    "kwh_flat",
    "kwh_valley",
    "max_demand_kw",
    "load_factor",
    "peak_valley_diff_kw",
    "volatility",
    "mom_change",
    "yoy_change",
)
BEHAVIOUR_COLUMNS = (
    "account_no",
    "bills_12m",
    "on_time_share_12m",
    "mean_days_late_12m",
    "max_days_late_12m",
    "bills_24m",
    "on_time_share_24m",
    "mean_days_late_24m",
    "max_days_late_24m",
    "arrears",
    "overdue_bills",
    "partial_payments_24m",
)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for dom in range(day.day, 0, -1):
        try:
            return date(year, month + 1, dom)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _local(ts: ir.TimestampValue) -> ir.TimestampValue:
    return ts + ibis.interval(hours=LOCAL_UTC_OFFSET_HOURS)


@dataclass(frozen=True)
class TouRule:
    """The TOU period of each local hour (24 names, hour 0 first) in some months, for
    local days in ``[start, end)`` (open where ``None``)."""

    hours: tuple[str, ...]
    months: tuple[int, ...] = tuple(range(1, 13))
    start: date | None = None
    end: date | None = None


TouClock = tuple[TouRule, ...]
"""Rules in order; the first that matches an interval's local day decides its period."""


def _default_hours(sharp: bool) -> tuple[str, ...]:
    def period(hour: int) -> str:
        if sharp and hour in SHARP_HOURS:
            return "sharp"
        if hour in PEAK_HOURS:
            return "peak"
        return "valley" if hour in VALLEY_HOURS else "flat"

    return tuple(period(h) for h in range(24))


DEFAULT_TOU_CLOCK: TouClock = (
    TouRule(_default_hours(True), months=SHARP_MONTHS),
    TouRule(_default_hours(False)),
)

# Where the clock comes from when a pipeline is not given one: the built-in default
# unless an app that keeps TOU configuration (``gridcrm.load``) registers a source.
_clock_source: Callable[[], TouClock] | None = None


def use_tou_clock(source: Callable[[], TouClock] | None) -> None:
    """Register the function that gives the configured TOU clock (``None``: the default)."""
    global _clock_source
    _clock_source = source


def current_tou_clock() -> TouClock:
    """The configured TOU clock (it may read the database), or the built-in default."""
    clock = _clock_source() if _clock_source is not None else ()
    return clock or DEFAULT_TOU_CLOCK


def tou_period(local: ir.TimestampValue, clock: TouClock | None = None) -> ir.StringValue:
    """The TOU period (sharp / peak / flat / valley) of an interval starting at ``local``,
    by ``clock`` (default: ``DEFAULT_TOU_CLOCK``); flat where no rule matches."""
    hour = local.hour()
    day = local.date()
    cases = []
    for rule in clock or DEFAULT_TOU_CLOCK:
        when = local.month().isin(rule.months)
        if rule.start is not None:
            when &= day >= rule.start
        if rule.end is not None:
            when &= day < rule.end
        for period in TOU_PERIODS:
            hours = [h for h, name in enumerate(rule.hours) if name == period]
            if hours:
                cases.append((when & hour.isin(hours), period))
    return ibis.cases(*cases, else_="flat")


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator, null when the denominator is zero or null."""
    return ibis.cases(
        (denominator > 0, numerator.cast("float64") / denominator.cast("float64")),
        else_=ibis.null("float64"),
    )


# -- load shape from 15-minute readings -------------------------------------------------


def daily_periods(readings: ir.Table, clock: TouClock | None = None) -> ir.Table:
    """Per customer, local day and TOU period: kWh, intervals, highest and lowest kW.

    The only step that scans the readings; everything monthly derives from it.
    """
    local = _local(readings.ts)
    tagged = readings.mutate(day=local.date(), period=tou_period(local, clock))
    return tagged.group_by("account_no", "day", "period").aggregate(
        kwh=tagged.kwh.sum(),
        intervals=tagged.kwh.count(),
        max_kwh=tagged.kwh.max(),
        min_kwh=tagged.kwh.min(),
    )


def load_shape(daily: ir.Table) -> ir.Table:
    """Per customer and month, from :func:`daily_periods`: TOU kWh and the load's shape.

    - ``max_demand_kw``: the highest 15-minute average demand (kWh × 4), as a demand
      meter measures it;
    - ``load_factor``: mean demand over the metered intervals ÷ maximum demand;
    - ``peak_valley_diff_kw``: the mean over days of (the day's highest − lowest demand);
    - ``volatility``: coefficient of variation (sample) of daily consumption.
    """
    per_day = daily.group_by("account_no", "day").aggregate(
        kwh=daily.kwh.sum(),
        max_kwh=daily.max_kwh.max(),
        min_kwh=daily.min_kwh.min(),
    )
    per_day = per_day.mutate(month=per_day.day.truncate("M"))
    shape = per_day.group_by("account_no", "month").aggregate(
        day_mean=per_day.kwh.mean(),
        day_std=per_day.kwh.std(how="sample"),
        peak_valley_diff_kw=((per_day.max_kwh - per_day.min_kwh) / HOURS_PER_INTERVAL).mean(),
    )
    tagged = daily.mutate(month=daily.day.truncate("M"))
    periods = tagged.group_by("account_no", "month").aggregate(
        **{f"kwh_{p}": tagged.kwh.sum(where=tagged.period == p).coalesce(0.0) for p in TOU_PERIODS},
        kwh_total=tagged.kwh.sum(),
        intervals=tagged.intervals.sum(),
        max_demand_kw=tagged.max_kwh.max() / HOURS_PER_INTERVAL,
    )
    joined = periods.inner_join(shape, ["account_no", "month"])
    mean_kw = joined.kwh_total / (joined.intervals * HOURS_PER_INTERVAL)
    return joined.select(
        "account_no",
        "month",
        "kwh_total",
        *(f"kwh_{p}" for p in TOU_PERIODS),
        "max_demand_kw",
        load_factor=_ratio(mean_kw, joined.max_demand_kw),
        peak_valley_diff_kw=joined.peak_valley_diff_kw,
        volatility=_ratio(joined.day_std, joined.day_mean),
    )


# -- monthly consumption from bills, and trends -----------------------------------------


def billed_consumption(bills: ir.Table) -> ir.Table:
    """Per customer and billed month: kWh by TOU period and in total."""
    monthly = bills.group_by("account_no", month=bills.period).aggregate(
        **{f"kwh_{p}": bills[f"kwh_{p}"].sum() for p in TOU_PERIODS}
    )
    return monthly.mutate(
        kwh_total=monthly.kwh_sharp + monthly.kwh_peak + monthly.kwh_flat + monthly.kwh_valley
    )


def with_trend(monthly: ir.Table) -> ir.Table:
    """Add ``mom_change`` and ``yoy_change``: relative change of ``kwh_total`` on the
    previous month and on the same month a year before (null when that month is missing
    or had no consumption). A self-join on the calendar, so gaps are not mistaken for
    the previous month as a row-offset window would."""
    # Views: the same table joined to itself must be told apart.
    before = monthly.view()
    previous = before.select(
        "account_no",
        month=(before.month + ibis.interval(months=1)).cast("date"),
        prev_kwh=before.kwh_total,
    )
    before_year = monthly.view()
    last_year = before_year.select(
        "account_no",
        month=(before_year.month + ibis.interval(months=12)).cast("date"),
        ly_kwh=before_year.kwh_total,
    )
    joined = monthly.left_join(previous, ["account_no", "month"]).left_join(
        last_year, ["account_no", "month"]
    )
    result: ir.Table = joined.select(
        *monthly.columns,
        mom_change=_ratio(joined.kwh_total - joined.prev_kwh, joined.prev_kwh),
        yoy_change=_ratio(joined.kwh_total - joined.ly_kwh, joined.ly_kwh),
    )
    return result


def customer_month_features(
    bills: ir.Table, readings: ir.Table, clock: TouClock | None = None
) -> ir.Table:
    """Per customer and month: consumption by TOU period (from the bills, or from the
    readings for a month not billed), the load's shape (from readings; null where the
    customer is not metered), and the consumption trend. Columns: ``FEATURE_COLUMNS``."""
    billed = billed_consumption(bills)
    shape = load_shape(daily_periods(readings, clock))
    keys = (
        billed.select("account_no", "month").union(shape.select("account_no", "month")).distinct()
    )
    b = billed.rename({f"b_{c}": c for c in billed.columns if c not in ("account_no", "month")})
    joined = keys.left_join(b, ["account_no", "month"]).left_join(shape, ["account_no", "month"])
    kwh = {f"kwh_{p}": joined[f"b_kwh_{p}"].coalesce(joined[f"kwh_{p}"]) for p in TOU_PERIODS}
    monthly = joined.select(
        "account_no",
        month=joined.month.cast("date"),
        kwh_total=joined.b_kwh_total.coalesce(joined.kwh_total),
        **kwh,
        max_demand_kw=joined.max_demand_kw,
        load_factor=joined.load_factor,
        peak_valley_diff_kw=joined.peak_valley_diff_kw,
        volatility=joined.volatility,
    )
    result: ir.Table = with_trend(monthly).select(*FEATURE_COLUMNS)
    return result


# -- payment behaviour ------------------------------------------------------------------


def bill_settlement(bills: ir.Table, payments: ir.Table, *, as_of: date) -> ir.Table:
    """Per bill due before ``as_of``: what was paid by then, when it was settled in full,
    how many days late, and whether it was paid in parts."""
    paid = payments.filter(payments.paid_on <= as_of)
    running = paid.mutate(
        paid_so_far=paid.amount.sum().over(
            ibis.cumulative_window(group_by="bill_id", order_by=["paid_on", "payment_id"])
        )
    )
    amounts = bills.select("bill_id", due_amount=bills.amount)
    reached = running.inner_join(amounts, "bill_id")
    settled = (
        reached.filter(reached.paid_so_far >= reached.due_amount)
        .group_by("bill_id")
        .aggregate(settled_on=reached.paid_on.min())
    )
    per_bill = paid.group_by("bill_id").aggregate(
        payments=paid.payment_id.count(), total_paid=paid.amount.sum()
    )
    due = bills.filter(bills.due_on < as_of)
    joined = due.left_join(per_bill, "bill_id").left_join(settled, "bill_id")
    total_paid = joined.total_paid.coalesce(0)
    outstanding = joined.amount - total_paid
    as_of_lit = ibis.literal(as_of, type="date")
    days_late = ibis.cases(
        (joined.settled_on.notnull(), joined.settled_on.delta(joined.due_on, unit="day")),
        else_=as_of_lit.delta(joined.due_on, unit="day"),
    )
    return joined.select(
        "bill_id",
        "account_no",
        "due_on",
        on_time=joined.settled_on.notnull() & (joined.settled_on <= joined.due_on),
        days_late=ibis.greatest(days_late, 0),
        outstanding=ibis.greatest(outstanding, 0),
        partial=(joined.payments.coalesce(0) > 1) | ((total_paid > 0) & (outstanding > 0)),
    )


def payment_behaviour(bills: ir.Table, payments: ir.Table, *, as_of: date) -> ir.Table:
    """Per customer, as of a day: over the bills due in the last 12 and 24 months, the
    share paid in full by the due date, mean days late (on-time bills count 0) and most
    days late (an unpaid bill is late until ``as_of``); arrears and overdue bills over
    all time; bills paid in parts in 24 months. Columns: ``BEHAVIOUR_COLUMNS``."""
    s = bill_settlement(bills, payments, as_of=as_of)
    windows = {12: months_before(as_of, 12), 24: months_before(as_of, 24)}
    metrics: dict[str, ir.Value] = {}
    for n, start in windows.items():
        inside = s.due_on >= start
        count = inside.cast("int64").sum()
        metrics[f"bills_{n}m"] = count
        metrics[f"on_time_share_{n}m"] = _ratio((inside & s.on_time).cast("int64").sum(), count)
        metrics[f"mean_days_late_{n}m"] = s.days_late.mean(where=inside)
        metrics[f"max_days_late_{n}m"] = s.days_late.max(where=inside)
    metrics["arrears"] = s.outstanding.sum()
    metrics["overdue_bills"] = (s.outstanding > 0).cast("int64").sum()
    metrics["partial_payments_24m"] = (s.partial & (s.due_on >= windows[24])).cast("int64").sum()
    result: ir.Table = s.group_by("account_no").aggregate(**metrics).select(*BEHAVIOUR_COLUMNS)
    return result
