"""Late fees on electricity bills (电费违约金): the rule, and its reference calculation.

The rule (供电营业规则; the rates, the start and the source are configuration,
``LateFeeRules``, published as versions — ``docs/billing.md``):

- a bill is overdue from the day after its due date *as the credit policy shifted it*
  (billing's due date + payment term − ``STANDARD_TERM_DAYS``), or after the last day of
  approved grace on it;
- each overdue day costs a rate of the arrears of that day: residential customers 1‰;
  other customers 2‰ for days in the year the bill fell due (当年欠费) and 3‰ for days in
  a later year (跨年度欠费);
- the arrears of a day are the bill's amount less what was paid *before* that day: the
  rule counts "to the day of payment" (计算至交纳日止), so the day money arrives is still
  charged on what was owed that morning, and a partial payment lowers the base from the
  next day on; a payment in full ends the count;
- the fee of a bill is the sum over its overdue days, rounded to fen, and at least
  1 yuan once it is anything at all (总额不足1元者按1元收取).

:func:`late_fee` is the plain-Python definition the tests check on worked examples; the
lake pipeline (``billing.pipelines``) computes the same per bill for every customer, and
a test holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
PER_MILLE = Decimal("0.001")


@dataclass(frozen=True)
class LateFeeRates:
    """One version of the late-fee rule (rates in ‰ of the arrears per day)."""

    residential_per_mille: Decimal = Decimal("1")
    current_year_per_mille: Decimal = Decimal("2")
    across_years_per_mille: Decimal = Decimal("3")
    minimum_yuan: Decimal = Decimal("1.00")
    source: str = (
        "供电营业规则（电力工业部令第8号，1996）第九十八条；"
        "2024年修订版（国家发展改革委令2024年第14号）条款号未核对"
    )
    version: int = 0

    def daily_rate(self, *, residential: bool, day: date, due_year: int) -> Decimal:
        """The share of the arrears one overdue ``day`` costs."""
        if residential:
            return self.residential_per_mille * PER_MILLE
        if day.year > due_year:
            return self.across_years_per_mille * PER_MILLE
        return self.current_year_per_mille * PER_MILLE


DEFAULT_RATES = LateFeeRates()
"""The rule as the 1996 rules set it, used until a version is published."""


def fee_start(*, due_on: date, grace_until: date | None = None) -> date:
    """The first overdue day: the day after the (shifted) due date or after grace."""
    last_free = max(due_on, grace_until) if grace_until else due_on
    return last_free + timedelta(days=1)


def late_fee(
    *,
    amount: Decimal,
    due_on: date,
    payments: Iterable[tuple[date, Decimal]],
    as_of: date,
    residential: bool,
    grace_until: date | None = None,
    rates: LateFeeRates = DEFAULT_RATES,
) -> Decimal:
    """The late fee of one bill by ``as_of`` (inclusive): ``due_on`` is the due date the
    credit policy shifted, ``payments`` the (day, amount) paid against the bill (net of
    reversals), ``grace_until`` the last day of approved grace."""
    paid_by_day: dict[date, Decimal] = {}
    for day, paid in payments:
        paid_by_day[day] = paid_by_day.get(day, Decimal(0)) + paid
    start = fee_start(due_on=due_on, grace_until=grace_until)
    owed = amount - sum((p for d, p in paid_by_day.items() if d < start), Decimal(0))
    total = Decimal(0)
    day = start
    while day <= as_of and owed > 0:
        total += owed * rates.daily_rate(residential=residential, day=day, due_year=due_on.year)
        owed -= paid_by_day.get(day, Decimal(0))  # paid today: a lower base from tomorrow
        day += timedelta(days=1)
    return minimum_applied(total, rates)


def minimum_applied(total: Decimal, rates: LateFeeRates) -> Decimal:
    """A fee rounded to fen (half up), raised to the minimum once it is above zero."""
    fee = total.quantize(FEN, rounding=ROUND_HALF_UP)
    if total > 0 and fee < rates.minimum_yuan:
        return rates.minimum_yuan
    return fee
