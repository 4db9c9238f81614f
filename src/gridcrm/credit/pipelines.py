"""Credit indicators, scores and grades, written once as Ibis expressions.

Every public function is a pure ``Table → Table`` function plus plain parameters: it
names no path and no engine, so the same expression runs on DuckDB in-process or on
Spark (``gridcrm.lake.catalog.connect``). The formulas are documented in
``docs/credit.md``; the column lists below are the contract with the models.

Inputs:

- ``bills``, ``payments``, ``violations``: the lake's fact tables;
- ``customers``: archive attributes, one row per customer (``CUSTOMER_COLUMNS``), made
  from the ORM by ``credit.services`` as an in-memory table;
- ``events``: the credit events recorded in GridCRM (``EVENT_COLUMNS``): demerits,
  merits, accidents, ignored hazard notices, returned payments.

Point in time: an indicator "as of" a day sees only the bills issued by then (a bill for
a month is issued in the month after it), payments made by then and violations found by
then — so the same function gives the monthly rating and the snapshots of the past the
data-fitted scorecard learns from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from gridcrm.lake.pipelines import bill_settlement, months_before

CUSTOMER_COLUMNS = (
    "account_no",
    "segment",
    "industry_code",
    "contracted_kva",
    "credit_blacklisted",
    "created_on",
)
EVENT_COLUMNS = ("account_no", "kind", "occurred_on", "expires_on", "resolved_on", "points")

# The indicators the models may use (numeric, null when unknown). A fitted card may also
# bin a text column as categories; ``scored`` scores it from any table that carries it.
INDICATORS = (
    "on_time_share_12m",
    "mean_days_late_12m",
    "max_days_late_12m",
    "late_trend_3m",
    "arrears_months",
    "arrears_ratio",
    "partial_share_12m",
    "returned_payments_12m",
    "tenure_months",
    "kwh_trend_yoy_3m",
    "kwh_trend_3m",
    "volatility_12m",
    "capacity_utilisation",
    "theft_24m",
    "illegal_use_12m",
    "accidents_12m",
    "hazards_open",
    "public_blacklisted",
    "industry_risk",
)
# Facts the grade rules need besides the score.
FACT_COLUMNS = ("arrears", "last_theft_on", "event_points")
INDICATOR_TABLE_COLUMNS = ("account_no", "segment", *INDICATORS, *FACT_COLUMNS)

HOURS_PER_MONTH = 730.0
POWER_FACTOR = 0.9

# Industry risk (0 low … 1 high) by GB/T 4754 section letter, or a longer code prefix
# (the longest matching prefix wins). Modelled on the sector default rates Chinese banks
# publish: mining, steel and coal-fired sectors with overcapacity rank highest, the
# public sector lowest. Households (no industry code) are 0.3.
INDUSTRY_RISK: dict[str, float] = {
    "": 0.3,
    "A": 0.5,  # agriculture
    "B": 0.8,  # mining
    "C": 0.6,  # manufacturing
    "C25": 0.8,  # petroleum and coking
    "C30": 0.7,  # non-metallic minerals (cement, glass)
    "C31": 0.9,  # ferrous metals (steel)
    "C32": 0.8,  # non-ferrous metals
    "D": 0.2,  # power, heat, gas and water
    "E": 0.8,  # construction
    "F": 0.5,  # wholesale and retail
    "G": 0.4,  # transport
    "H": 0.6,  # hotels and catering
    "I": 0.4,  # information technology
    "J": 0.2,  # finance
    "K": 0.7,  # real estate
    "L": 0.4,  # leasing and business services
    "M": 0.3,  # research
    "N": 0.1,  # water, environment, public facilities
    "O": 0.4,  # household services
    "P": 0.1,  # education
    "Q": 0.1,  # health
    "R": 0.5,  # culture and sport
    "S": 0.0,  # public administration
}


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    return ibis.cases(
        (denominator > 0, numerator.cast("float64") / denominator.cast("float64")),
        else_=ibis.null("float64"),
    )


def _lit(day: date) -> ir.DateValue:
    return ibis.literal(day, type="date")


def _days_between(later: ir.DateValue, earlier: ir.DateValue) -> ir.IntegerValue:
    return later.delta(earlier, unit="day")


def known_bills(bills: ir.Table, *, as_of: date) -> ir.Table:
    """The bills issued by ``as_of``: a month's bill is issued in the month after it."""
    return bills.filter(bills.period <= _lit(months_before(as_of, 1)))


def settlement(
    bills: ir.Table, payments: ir.Table, *, as_of: date, keep: Sequence[str] = ()
) -> ir.Table:
    """Per bill due before ``as_of``: paid on time, days late, outstanding, paid in parts —
    ``lake.pipelines.bill_settlement``, the one definition the lake's payment behaviour
    uses too (``keep``: bill columns to carry along, every bill staying, with ``due``)."""
    return bill_settlement(bills, payments, as_of=as_of, keep=keep)


def bill_indicators(bills: ir.Table, payments: ir.Table, *, as_of: date) -> ir.Table:
    """Per customer with an issued bill, from one pass over the bills and their payments.

    **Payments**, over bills due in the 12 months before ``as_of`` (payments made by then):
    ``on_time_share_12m``, ``mean_days_late_12m`` (on time counts 0; unpaid is late until
    ``as_of``), ``max_days_late_12m``, ``partial_share_12m``; ``late_trend_3m``: how much
    later the bills due in the last 3 months were paid than the 9 before (days, 0 when not
    later); over all due bills: ``arrears`` (yuan outstanding past the due date),
    ``arrears_months`` (overdue bills, one a month) and ``arrears_ratio`` (arrears ÷ the
    mean of the bills due in 12 months).

    **Consumption**, from the issued bills' kWh: ``first_period`` (for tenure), the change
    of the last 3 months on the same 3 months a year before (``kwh_trend_yoy_3m``) and on
    the 3 months before them (``kwh_trend_3m``), the coefficient of variation of monthly
    kWh over 12 months (``volatility_12m``) and the mean monthly kWh of the last 3 months
    (``kwh_month_3m``, for capacity utilisation).
    """
    issued = known_bills(bills, as_of=as_of)
    s = settlement(
        issued.mutate(kwh=issued.kwh_sharp + issued.kwh_peak + issued.kwh_flat + issued.kwh_valley),
        payments,
        as_of=as_of,
        keep=("period", "kwh"),
    )
    start12, start3 = _lit(months_before(as_of, 12)), _lit(months_before(as_of, 3))
    in12 = s.due & (s.due_on >= start12)
    recent = s.due & (s.due_on >= start3)
    older = in12 & ~recent
    n12 = in12.cast("int64").sum()
    # Monthly periods by how far back from the last billed month they lie (in days: the
    # last three at 0, ~30, ~61; the three before at ~92…153; a year before at ~365…426),
    # compared as dates so the engine computes no difference per bill.
    last = months_before(as_of, 1)
    start = date(last.year, last.month, 1)

    def back(days: int) -> ir.DateValue:
        return _lit(start - timedelta(days=days))

    last3 = s.period > back(85)
    prev3 = (s.period > back(175)) & (s.period <= back(85))
    ly3 = (s.period > back(420)) & (s.period <= back(330))
    kwh12 = s.period > back(360)
    a = s.group_by("account_no").aggregate(
        bills_12m=n12,
        on_time_12m=(in12 & s.on_time).cast("int64").sum(),
        mean_days_late_12m=s.days_late.mean(where=in12).cast("float64"),
        max_days_late_12m=s.days_late.max(where=in12).cast("float64"),
        late_recent=s.days_late.mean(where=recent).cast("float64"),
        late_older=s.days_late.mean(where=older).cast("float64"),
        partial_12m=(in12 & s.partial).cast("int64").sum(),
        arrears=s.outstanding.sum(where=s.due).cast("float64"),
        arrears_months=(s.due & (s.outstanding > 0)).cast("int64").sum(),
        mean_bill=s.amount.mean(where=in12),
        first_period=s.period.min(),
        kwh_last3=s.kwh.sum(where=last3),
        n_last3=last3.cast("int64").sum(),
        kwh_prev3=s.kwh.sum(where=prev3),
        n_prev3=prev3.cast("int64").sum(),
        kwh_ly3=s.kwh.sum(where=ly3),
        n_ly3=ly3.cast("int64").sum(),
        kwh_mean12=s.kwh.mean(where=kwh12),
        kwh_std12=s.kwh.std(how="sample", where=kwh12),
    )
    complete = (a.n_last3 == 3) & (a.n_prev3 == 3)
    complete_ly = (a.n_last3 == 3) & (a.n_ly3 == 3)
    return a.select(
        "account_no",
        on_time_share_12m=_ratio(a.on_time_12m, a.bills_12m),
        mean_days_late_12m=a.mean_days_late_12m,
        max_days_late_12m=a.max_days_late_12m,
        late_trend_3m=ibis.greatest(a.late_recent - a.late_older.coalesce(a.late_recent), 0.0),
        arrears_months=a.arrears_months.cast("float64"),
        arrears_ratio=ibis.cases((a.arrears <= 0, 0.0), else_=_ratio(a.arrears, a.mean_bill)),
        partial_share_12m=_ratio(a.partial_12m, a.bills_12m),
        arrears=a.arrears.coalesce(0.0),
        first_period=a.first_period,
        kwh_trend_3m=ibis.cases(
            (complete, _ratio(a.kwh_last3 - a.kwh_prev3, a.kwh_prev3)),
            else_=ibis.null("float64"),
        ),
        kwh_trend_yoy_3m=ibis.cases(
            (complete_ly, _ratio(a.kwh_last3 - a.kwh_ly3, a.kwh_ly3)),
            else_=ibis.null("float64"),
        ),
        volatility_12m=_ratio(a.kwh_std12, a.kwh_mean12),
        kwh_month_3m=_ratio(a.kwh_last3, a.n_last3),
    )


def violation_indicators(violations: ir.Table, *, as_of: date) -> ir.Table:
    """Per customer: thefts found in 24 months and the last one's day, illegal use in 12."""
    v = violations.filter(violations.detected_on <= _lit(as_of))
    start24, start12 = _lit(months_before(as_of, 24)), _lit(months_before(as_of, 12))
    theft = v.kind == "theft"
    return v.group_by("account_no").aggregate(
        theft_24m=(theft & (v.detected_on > start24)).cast("int64").sum().cast("float64"),
        last_theft_on=v.detected_on.max(where=theft),
        illegal_use_12m=((v.kind == "illegal_use") & (v.detected_on > start12))
        .cast("int64")
        .sum()
        .cast("float64"),
    )


def event_indicators(events: ir.Table, *, as_of: date) -> ir.Table:
    """Per customer, from GridCRM's credit events: returned payments and accidents in 12
    months, hazard notices ignored and not yet rectified, the points of the demerits and
    merits in force (occurred by ``as_of``, not yet expired)."""
    day = _lit(as_of)
    e = events.filter(events.occurred_on <= day)
    in12 = e.occurred_on > _lit(months_before(as_of, 12))
    live = e.expires_on.isnull() | (e.expires_on > day)
    return e.group_by("account_no").aggregate(
        returned_payments_12m=((e.kind == "returned_payment") & in12)
        .cast("int64")
        .sum()
        .cast("float64"),
        accidents_12m=((e.kind == "accident") & in12).cast("int64").sum().cast("float64"),
        hazards_open=(
            (e.kind == "hazard_ignored") & (e.resolved_on.isnull() | (e.resolved_on > day))
        )
        .cast("int64")
        .sum()
        .cast("float64"),
        event_points=e.points.cast("float64").sum(where=live),
        last_theft_event_on=e.occurred_on.max(where=e.kind == "theft"),
        theft_events_24m=((e.kind == "theft") & (e.occurred_on > _lit(months_before(as_of, 24))))
        .cast("int64")
        .sum()
        .cast("float64"),
        illegal_events_12m=((e.kind == "illegal_use") & in12).cast("int64").sum().cast("float64"),
    )


def industry_risk(
    code: ir.StringValue, table: Mapping[str, float] = INDUSTRY_RISK
) -> ir.FloatingValue:
    """The industry risk of a GB/T 4754 code: the longest matching prefix in ``table``."""
    code = code.coalesce("")
    branches = [
        (code.startswith(prefix), value)
        for prefix, value in sorted(table.items(), key=lambda kv: -len(kv[0]))
        if prefix
    ]
    return ibis.cases(*branches, else_=table.get("", 0.3)).cast("float64")


def credit_indicators(
    bills: ir.Table,
    payments: ir.Table,
    violations: ir.Table,
    customers: ir.Table,
    events: ir.Table,
    *,
    as_of: date,
    bill_facts: ir.Table | None = None,
) -> ir.Table:
    """The indicator table as of a day, one row per customer of ``customers``.

    Columns: ``INDICATOR_TABLE_COLUMNS``. Counts of things that did not happen are 0,
    not null; ratios without a denominator (no bills yet) are null. ``bill_facts``:
    ``bill_indicators(bills, payments, as_of=as_of)`` when the caller computed it already.
    """
    bill = bill_indicators(bills, payments, as_of=as_of) if bill_facts is None else bill_facts
    vio = violation_indicators(violations, as_of=as_of)
    ev = event_indicators(events, as_of=as_of)
    c = customers
    j = c.left_join(bill, "account_no").left_join(vio, "account_no").left_join(ev, "account_no")
    first_seen = ibis.least(
        j.first_period.coalesce(j.created_on), j.created_on.coalesce(j.first_period)
    )
    kva = j.contracted_kva.cast("float64")
    theft_day = ibis.greatest(
        j.last_theft_on.coalesce(j.last_theft_event_on),
        j.last_theft_event_on.coalesce(j.last_theft_on),
    )
    zero = ibis.literal(0.0)
    return j.select(
        "account_no",
        "segment",
        on_time_share_12m=j.on_time_share_12m,
        mean_days_late_12m=j.mean_days_late_12m,
        max_days_late_12m=j.max_days_late_12m,
        late_trend_3m=j.late_trend_3m,
        arrears_months=j.arrears_months.coalesce(zero),
        arrears_ratio=j.arrears_ratio.coalesce(zero),
        partial_share_12m=j.partial_share_12m,
        returned_payments_12m=j.returned_payments_12m.coalesce(zero),
        tenure_months=ibis.cases(
            (first_seen.notnull(), _days_between(_lit(as_of), first_seen).cast("float64") / 30.44),
            else_=zero,
        ),
        kwh_trend_yoy_3m=j.kwh_trend_yoy_3m,
        kwh_trend_3m=j.kwh_trend_3m,
        volatility_12m=j.volatility_12m,
        capacity_utilisation=_ratio(j.kwh_month_3m, kva * POWER_FACTOR * HOURS_PER_MONTH),
        theft_24m=j.theft_24m.coalesce(zero) + j.theft_events_24m.coalesce(zero),
        illegal_use_12m=j.illegal_use_12m.coalesce(zero) + j.illegal_events_12m.coalesce(zero),
        accidents_12m=j.accidents_12m.coalesce(zero),
        hazards_open=j.hazards_open.coalesce(zero),
        public_blacklisted=ibis.cases((j.credit_blacklisted, 1.0), else_=zero),
        industry_risk=industry_risk(j.industry_code),
        arrears=j.arrears.coalesce(zero),
        last_theft_on=theft_day,
        event_points=j.event_points.coalesce(zero),
    )


def serious_arrears_outcome(
    bills: ir.Table,
    payments: ir.Table,
    *,
    as_of: date,
    until: date,
    horizon_months: int = 12,
    days: int = 60,
) -> ir.Table:
    """The target of the data-fitted scorecard: per customer with a bill, ``bad`` = 1 when
    some bill became ``days`` days past due, still not paid in full, inside the window
    (``as_of``, ``as_of`` + ``horizon_months``], seen with the payments made by ``until``
    (the window is cut at ``until`` when the data end sooner)."""
    end = min(months_before(as_of, -horizon_months), until)
    s = settlement(bills, payments, as_of=until)
    # The day the bill crossed the line, if it did: due + days, unless settled before.
    crossed = s.due_on + ibis.interval(days=days)
    serious = (s.days_late > days) & (crossed > _lit(as_of)) & (crossed <= _lit(end))
    return s.group_by("account_no").aggregate(bad=serious.cast("int64").max())


# -- scoring -----------------------------------------------------------------------------

BinEdges = Sequence[float]


def points_expr(
    value: ir.NumericValue, *, splits: BinEdges, points: Sequence[float], missing: float
) -> ir.FloatingValue:
    """Points of one indicator: ``points[i]`` for the bin ``[splits[i-1], splits[i])``
    (bins left-closed, the first open to -∞, the last to +∞); ``missing`` for null."""
    branches: list[tuple[ir.BooleanValue, float]] = [(value.isnull(), float(missing))]
    for edge, p in zip(splits, points, strict=False):
        branches.append((value < edge, float(p)))
    return ibis.cases(*branches, else_=float(points[len(splits)])).cast("float64")


def category_points_expr(
    value: ir.Value, *, categories: Sequence[Sequence[str]], points: Sequence[float], missing: float
) -> ir.FloatingValue:
    """Points of one categorical indicator: ``points[i]`` when the value is one of
    ``categories[i]``; ``missing`` for null and for a category no bin names (one the fit
    never saw) — the rule of ``scorecard.card_score``. Values are compared as text."""
    text = value if value.type().is_string() else value.cast("string")
    branches: list[tuple[ir.BooleanValue, float]] = [
        (text.isin([str(c) for c in group]), float(p))
        for group, p in zip(categories, points, strict=True)
        if group
    ]
    if not branches:
        return ibis.literal(float(missing), type="float64")
    # A null value matches no ``isin`` (null is not true), so it falls to ``missing`` too.
    return ibis.cases(*branches, else_=float(missing)).cast("float64")


def spec_points_expr(value: ir.Value, spec: Mapping[str, Any]) -> ir.FloatingValue:
    """Points of one indicator by its card entry: categorical bins (``categories``) or
    numeric ones (``splits``)."""
    if spec.get("categories") is not None:
        return category_points_expr(
            value, categories=spec["categories"], points=spec["points"], missing=spec["missing"]
        )
    return points_expr(value, splits=spec["splits"], points=spec["points"], missing=spec["missing"])


def scored(
    indicators: ir.Table,
    *,
    cards: Mapping[str, Mapping[str, Any]],
) -> ir.Table:
    """Add ``score`` and one ``pts_<indicator>`` column per indicator of any scorecard.

    ``cards`` maps a segment to a compiled scorecard: ``{"intercept": float, "variables":
    {name: {"splits": [...], "points": [...], "missing": float}}}`` (see
    ``credit.cards.Card``); a categorical indicator has ``"categories"`` (the categories
    of each bin) instead of ``"splits"``, and scores ``missing`` for null or a category
    no bin names. A segment absent from ``cards`` uses the card under ``"*"`` (or
    scores 0).
    """
    names = sorted({v for card in cards.values() for v in card["variables"]})
    seg = indicators.segment
    default = cards.get("*")

    def by_segment(make: Callable[[Mapping[str, Any]], ir.Value]) -> ir.Value:
        branches = [(seg == s, make(card)) for s, card in cards.items() if s != "*"]
        fallback = make(default) if default is not None else ibis.literal(0.0)
        if not branches:
            return fallback.cast("float64")
        return ibis.cases(*branches, else_=fallback).cast("float64")

    def points_of(name: str) -> Callable[[Mapping[str, Any]], ir.Value]:
        def make(card: Mapping[str, Any]) -> ir.Value:
            spec = card["variables"].get(name)
            if spec is None:
                return ibis.literal(0.0)
            return spec_points_expr(indicators[name], spec)

        return make

    cols: dict[str, ir.Value] = {f"pts_{n}": by_segment(points_of(n)) for n in names}
    total = by_segment(lambda card: ibis.literal(float(card["intercept"])))
    for col in cols.values():
        total = total + col
    result: ir.Table = indicators.mutate(**cols, score=total)
    return result


# -- grades ------------------------------------------------------------------------------

# Automatic C, in the order their reason is reported.
TRIGGERS = ("theft", "illegal_use", "accident", "hazard_ignored", "arrears_3m")
# Caps at B, in the order their reason is reported.
LOCKS = ("new_customer", "after_c", "open_arrears")
NEW_CUSTOMER_MONTHS = 12
ARREARS_MONTHS_FOR_C = 3
PREVIOUS_COLUMNS = ("account_no", "prev_grade", "prev_since", "prev_left_c_on")
OVERRIDE_COLUMNS = ("account_no", "override_grade")


def _by_segment(
    seg: ir.StringValue, values: Mapping[str, ir.Value | float], default: ir.Value | float
) -> ir.Value:
    branches = [(seg == s, v) for s, v in values.items() if s != "*"]
    if not branches:
        return ibis.literal(default) if isinstance(default, float) else default
    return ibis.cases(*branches, else_=default)


def grade_by_score(score: ir.FloatingValue, cutoffs: Mapping[str, float]) -> ir.StringValue:
    """AAA, AA, A or B from the lowest score of each; C below B's cut-off."""
    return ibis.cases(
        (score >= cutoffs["AAA"], "AAA"),
        (score >= cutoffs["AA"], "AA"),
        (score >= cutoffs["A"], "A"),
        (score >= cutoffs["B"], "B"),
        else_="C",
    )


def graded(
    scored_table: ir.Table,
    previous: ir.Table,
    overrides: ir.Table,
    *,
    cutoffs: Mapping[str, Mapping[str, float]],
    event_scales: Mapping[str, float],
) -> ir.Table:
    """Grades from scores, then the rules of practice, in this order:

    1. the score plus the demerits and merits in force (``event_points`` × the model's
       ``event_scale``) gives ``score_grade`` by the cut-offs of the segment's model;
    2. an approved manual override in force wins (rule ``override``);
    3. automatic C (``TRIGGERS``): theft found in the last two years (so no promotion
       for two years), illegal use or an accident in 12 months, a major hazard notice
       not rectified, three or more months of arrears;
    4. caps at B (``LOCKS``): a customer of less than a year (new customers start at
       B), a customer graded C last time or who left C less than a month ago
       (``prev_left_c_on``: C cannot jump to A, not even by re-running a month's rating),
       open arrears (no A while arrears are open).

    ``previous`` holds ``PREVIOUS_COLUMNS``, ``overrides`` ``OVERRIDE_COLUMNS``;
    ``cutoffs`` and ``event_scales`` are keyed by segment, ``"*"`` for the rest.
    Adds ``score_grade``, ``grade``, ``rule`` and the previous grade.
    """
    t = scored_table
    seg = t.segment
    scale = _by_segment(seg, dict(event_scales), float(event_scales.get("*", 1.0)))
    adjusted = t.score + t.event_points * scale
    default_cut = cutoffs.get("*") or next(iter(cutoffs.values()))
    by_score = _by_segment(
        seg,
        {s: grade_by_score(adjusted, c) for s, c in cutoffs.items()},
        grade_by_score(adjusted, default_cut),
    )
    t = t.mutate(score=adjusted, score_grade=by_score)
    p = previous.rename(prev_account="account_no")
    o = overrides.rename(override_account="account_no")
    j = t.left_join(p, t.account_no == p.prev_account).left_join(
        o, t.account_no == o.override_account
    )
    conditions = {
        "theft": j.theft_24m > 0,
        "illegal_use": j.illegal_use_12m > 0,
        "accident": j.accidents_12m > 0,
        "hazard_ignored": j.hazards_open > 0,
        "arrears_3m": j.arrears_months >= ARREARS_MONTHS_FOR_C,
    }
    trigger = ibis.cases(*[(conditions[c], c) for c in TRIGGERS], else_=ibis.null("string"))
    above_b = j.score_grade.isin(["A", "AA", "AAA"])
    locks = {
        "new_customer": j.tenure_months < NEW_CUSTOMER_MONTHS,
        "after_c": (j.prev_grade.coalesce("") == "C") | j.prev_left_c_on.notnull(),
        "open_arrears": j.arrears > 0,
    }
    lock = ibis.cases(*[(above_b & locks[c], c) for c in LOCKS], else_=ibis.null("string"))
    grade = ibis.cases(
        (j.override_grade.notnull(), j.override_grade),
        (trigger.notnull(), "C"),
        (lock.notnull(), "B"),
        else_=j.score_grade,
    )
    rule = ibis.cases(
        (j.override_grade.notnull(), "override"),
        (trigger.notnull(), trigger),
        (lock.notnull(), lock),
        else_="",
    )
    result: ir.Table = j.mutate(grade=grade, rule=rule).drop(
        "prev_account", "override_account", "override_grade"
    )
    return result
