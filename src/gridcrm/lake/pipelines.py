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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.rules as rlz
import ibis.expr.types as ir
import sqlglot.expressions as sge
from ibis.backends.sql.compilers import DuckDBCompiler, PySparkCompiler

from gridcrm.core.extensions import TOU_CLOCK
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


def current_tou_clock() -> TouClock:
    """The configured TOU clock (it may read the database), or the built-in default when no
    app that keeps TOU configuration (``gridcrm.load``) installed a source in ``TOU_CLOCK``."""
    source = TOU_CLOCK.get()
    clock = source() if source is not None else ()
    return clock or DEFAULT_TOU_CLOCK


def _rule_applies(rule: TouRule, day: ir.DateValue) -> ir.BooleanValue:
    """Whether ``rule`` covers the local day ``day``."""
    when = day.month().isin(rule.months)
    if rule.start is not None:
        when &= day >= rule.start
    if rule.end is not None:
        when &= day < rule.end
    return when


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """numerator / denominator, null when the denominator is zero or null."""
    return ibis.cases(
        (denominator > 0, numerator.cast("float64") / denominator.cast("float64")),
        else_=ibis.null("float64"),
    )


# -- load shape from 15-minute readings -------------------------------------------------
#
# The readings are the one large table (864 M rows for 100,000 meters over 90 days), so
# they are read once, and per row only integer arithmetic is done: DuckDB converts a
# UTC timestamp to a local date or a naive timestamp through ICU, about a microsecond a
# value — several minutes at that size. The local day is a day number, the hour of day
# picks a class of hours, and periods are assigned per day, where the TOU rule (which
# depends on the date) is decided once for 96 readings.


class UnixMicros(ops.Value):  # type: ignore[misc]
    """Microseconds since 1970-01-01 UTC of an instant (``epoch_us`` / ``unix_micros``)."""

    arg: ops.Value[dt.Timestamp]
    dtype = dt.int64
    shape = rlz.shape_like("arg")


class IntegerQuotient(ops.Value):  # type: ignore[misc]
    """``left ÷ right`` for non-negative integers, rounded down, in integer arithmetic.

    Ibis compiles ``//`` on integers to ``FLOOR(left / right)`` in floating point; per
    reading that is a division, a rounding and a cast where one integer division does.
    """

    left: ops.Value[dt.Int64]
    right: ops.Value[dt.Int64]
    dtype = dt.int64
    shape = rlz.shape_like("args")


def _duckdb_unix_micros(self: Any, op: UnixMicros, *, arg: Any) -> Any:
    return self.f.epoch_us(arg)


def _spark_unix_micros(self: Any, op: UnixMicros, *, arg: Any) -> Any:
    return self.f.unix_micros(arg)


def _integer_quotient(self: Any, op: IntegerQuotient, *, left: Any, right: Any) -> Any:
    # sqlglot does not parenthesise IntDiv's operands (``a + b // c``).
    return sge.IntDiv(this=sge.Paren(this=left), expression=sge.Paren(this=right))


# Ibis compilers dispatch on ``visit_<operation class name>``; sqlglot writes ``IntDiv``
# as ``//`` for DuckDB and ``div`` for Spark.
DuckDBCompiler.visit_UnixMicros = _duckdb_unix_micros
PySparkCompiler.visit_UnixMicros = _spark_unix_micros
DuckDBCompiler.visit_IntegerQuotient = _integer_quotient
PySparkCompiler.visit_IntegerQuotient = _integer_quotient

_MICROS_PER_HOUR = 3_600_000_000


def _quotient(left: ir.IntegerValue, right: int) -> ir.IntegerValue:
    result: ir.IntegerValue = IntegerQuotient(left, ibis.literal(right, "int64")).to_expr()
    return result


def _hour_classes(clock: TouClock) -> list[tuple[int, tuple[str, ...]]]:
    """Hours of the day grouped by the period each rule gives them, then ``flat`` for a
    day no rule covers: ``(bit mask of the hours, periods by rule index)`` per class.
    The default clock has four classes, so a reading adds to one of four sums."""
    masks: dict[tuple[str, ...], int] = {}
    for hour in range(24):
        periods = (*(rule.hours[hour] for rule in clock), "flat")
        masks[periods] = masks.get(periods, 0) | (1 << hour)
    return [(mask, periods) for periods, mask in masks.items()]


def _class_of_hour(
    hour: ir.IntegerValue, classes: list[tuple[int, tuple[str, ...]]]
) -> ir.IntegerValue:
    """The index of an hour's class (``_hour_classes``), looked up per reading by one
    shift into a table of 24 bit fields in a 64-bit literal: 2 bits an hour for up to
    four classes (the default clock), or the day in two halves for more classes."""
    bits = max(1, (len(classes) - 1).bit_length())
    per_literal = 24 if bits * 24 <= 63 else 12
    tables = [0] * (24 // per_literal)
    for index, (mask, _) in enumerate(classes):
        for h in range(24):
            if mask >> h & 1:
                tables[h // per_literal] |= index << (h % per_literal * bits)
    field = (1 << bits) - 1

    def lookup(table: int, hour_of_half: ir.IntegerValue) -> ir.IntegerValue:
        shifted = ibis.literal(table, "int64") >> (hour_of_half * bits)
        result: ir.IntegerValue = shifted & field
        return result

    if len(tables) == 1:
        return lookup(tables[0], hour)
    result: ir.IntegerValue = ibis.cases(
        (hour < per_literal, lookup(tables[0], hour)),
        else_=lookup(tables[1], hour - per_literal),
    )
    return result


def _date_of(day_no: ir.IntegerValue) -> ir.DateValue:
    """The date of a day number (days since 1970-01-01)."""
    return (ibis.date(1970, 1, 1) + day_no.as_interval("D")).cast("date")


def daily_load(readings: ir.Table, clock: TouClock | None = None) -> ir.Table:
    """Per customer and local day: kWh in total and by TOU period (``kwh_<period>``),
    metered intervals, and the highest and lowest interval kWh.

    The only step that scans the readings (once); everything monthly derives from it.
    """
    rules = clock or DEFAULT_TOU_CLOCK
    classes = _hour_classes(rules)
    local_us = UnixMicros(readings.ts).to_expr() + LOCAL_UTC_OFFSET_HOURS * _MICROS_PER_HOUR
    # Per reading: two integer divisions give the local day and hour, one shift its
    # class of hours; everything else is per day.
    hours = readings.select("account_no", "kwh", hour_no=_quotient(local_us, _MICROS_PER_HOUR))
    day_no = _quotient(hours.hour_no, 24)
    rows = hours.select(
        "account_no",
        "kwh",
        day_no=day_no,
        hour_class=_class_of_hour(hours.hour_no - day_no * 24, classes),
    )
    in_class = {f"c{i}": rows.kwh.sum(where=rows.hour_class == i) for i in range(len(classes))}
    # count(*), not count(kwh): kwh is never null, and counting rows reads no column.
    days = rows.group_by("account_no", "day_no").aggregate(
        intervals=rows.count(), max_kwh=rows.kwh.max(), min_kwh=rows.kwh.min(), **in_class
    )
    # Each step its own projection, so the engine computes a day's date and rule once.
    days = days.mutate(day=_date_of(days.day_no))
    days = days.mutate(
        rule=ibis.cases(
            *((_rule_applies(r, days.day), i) for i, r in enumerate(rules)), else_=len(rules)
        )
    )
    rule = days.rule
    sums = {name: days[name].coalesce(0.0) for name in in_class}
    by_period: dict[str, ir.FloatingValue] = {}
    for period in TOU_PERIODS:
        total: ir.FloatingValue = ibis.literal(0.0)
        for column, (_, periods) in zip(sums.values(), classes, strict=True):
            matching = [i for i, p in enumerate(periods) if p == period]
            if len(matching) == len(periods):
                total += column
            elif matching:
                total += ibis.cases((rule.isin(matching), column), else_=0.0)
        by_period[f"kwh_{period}"] = total
    kwh: ir.FloatingValue = ibis.literal(0.0)
    for column in sums.values():
        kwh += column
    return days.select(
        "account_no",
        "day",
        kwh=kwh,
        **by_period,
        intervals=days.intervals,
        max_kwh=days.max_kwh,
        min_kwh=days.min_kwh,
    )


def daily_periods(readings: ir.Table, clock: TouClock | None = None) -> ir.Table:
    """Per customer, local day and TOU period: kWh (:func:`daily_load` in long form)."""
    daily = daily_load(readings, clock)
    return ibis.union(
        *(
            daily.select("account_no", "day", period=ibis.literal(p), kwh=daily[f"kwh_{p}"])
            for p in TOU_PERIODS
        )
    )


def load_shape(daily: ir.Table) -> ir.Table:
    """Per customer and month, from :func:`daily_load`: TOU kWh and the load's shape.

    - ``max_demand_kw``: the highest 15-minute average demand (kWh × 4), as a demand
      meter measures it;
    - ``load_factor``: mean demand over the metered intervals ÷ maximum demand;
    - ``peak_valley_diff_kw``: the mean over days of (the day's highest − lowest demand);
    - ``volatility``: coefficient of variation (sample) of daily consumption.
    """
    tagged = daily.mutate(month=daily.day.truncate("M"))
    monthly = tagged.group_by("account_no", "month").aggregate(
        kwh_total=tagged.kwh.sum(),
        **{f"kwh_{p}": tagged[f"kwh_{p}"].sum() for p in TOU_PERIODS},
        intervals=tagged.intervals.sum(),
        max_demand_kw=tagged.max_kwh.max() / HOURS_PER_INTERVAL,
        day_mean=tagged.kwh.mean(),
        day_std=tagged.kwh.std(how="sample"),
        peak_valley_diff_kw=((tagged.max_kwh - tagged.min_kwh) / HOURS_PER_INTERVAL).mean(),
    )
    mean_kw = monthly.kwh_total / (monthly.intervals * HOURS_PER_INTERVAL)
    return monthly.select(
        "account_no",
        "month",
        "kwh_total",
        *(f"kwh_{p}" for p in TOU_PERIODS),
        "max_demand_kw",
        load_factor=_ratio(mean_kw, monthly.max_demand_kw),
        peak_valley_diff_kw=monthly.peak_valley_diff_kw,
        volatility=_ratio(monthly.day_std, monthly.day_mean),
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
    shape = load_shape(daily_load(readings, clock))
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


def effective_payments(
    payments: ir.Table, *, as_of: date, kinds: Sequence[str] = ("payment",)
) -> ir.Table:
    """The payments of ``kinds`` (by default those against bills) that stand on
    ``as_of``: made by then, and not taken back by a reversal (冲正) made by then.
    ``kinds=("advance",)``: the advance payments (预存, against no bill) that stand. A
    table without ``kind`` holds payments only."""
    made = payments.filter(payments.paid_on <= ibis.literal(as_of, type="date"))
    if "kind" not in made.columns:
        return made if "payment" in kinds else made.filter(ibis.literal(False))
    kind = made.kind.coalesce("payment")
    reversals = made.filter(kind == "reversal").select(reversed_id=made.reverses)
    paid = made.filter(kind.isin(list(kinds)))
    result: ir.Table = paid.anti_join(reversals, paid.payment_id == reversals.reversed_id)
    return result


def bill_settlement(
    bills: ir.Table, payments: ir.Table, *, as_of: date, keep: Sequence[str] = ()
) -> ir.Table:
    """The one definition of "paid on time", used by the lake's payment behaviour and by
    the credit indicators alike.

    Per bill due before ``as_of``: what was paid by then, the day it was settled in full
    (the day the payments made by then first reached the amount; payments of one day count
    together, so that day does not depend on their order), how many days late (an unpaid
    bill is late until ``as_of``), what is outstanding, and whether it was paid in parts.
    ``on_time``: settled in full by the due date.

    With ``keep`` (bill columns to carry along), every bill of ``bills`` stays, with a
    ``due`` column: the credit indicators read the bills once for payments and consumption.
    """
    as_of_lit = ibis.literal(as_of, type="date")
    paid = effective_payments(payments, as_of=as_of)
    # The running total runs over the payments only (with their bill's amount), so the
    # bills, the lake's widest table, are joined once more at the end, not per payment.
    owed = bills.select("bill_id", owed=bills.amount)
    rows = paid.select("bill_id", "paid_on", paid=paid.amount).inner_join(owed, "bill_id")
    rows = rows.mutate(
        so_far=rows.paid.sum().over(
            ibis.range_window(preceding=None, following=0, group_by="bill_id", order_by="paid_on")
        )
    )
    per_bill = rows.group_by("bill_id").aggregate(
        payments=rows.paid.count(),
        total_paid=rows.paid.sum(),
        settled_on=rows.paid_on.min(where=rows.so_far >= rows.owed),
    )
    j = (bills if keep else bills.filter(bills.due_on < as_of_lit)).left_join(per_bill, "bill_id")
    total = j.total_paid.coalesce(0)
    outstanding = j.amount - total
    days_late = ibis.cases(
        (j.settled_on.notnull(), j.settled_on.delta(j.due_on, unit="day")),
        else_=as_of_lit.delta(j.due_on, unit="day"),
    )
    extra = {"due": j.due_on < as_of_lit} if keep else {}
    return j.select(
        "bill_id",
        "account_no",
        "due_on",
        *keep,
        **extra,
        amount=j.amount.cast("float64"),
        on_time=j.settled_on.notnull() & (j.settled_on <= j.due_on),
        days_late=ibis.greatest(days_late, 0),
        outstanding=ibis.greatest(outstanding, 0),
        partial=(j.payments.coalesce(0) > 1) | ((total > 0) & (outstanding > 0)),
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
