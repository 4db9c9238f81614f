"""Late fees (电费违约金) on worked examples: each docstring does the arithmetic by hand.

The rule (``gridcrm.billing.latefees``): from the day after the (credit-shifted) due
date, or after approved grace, to the day of payment inclusive; residential 1‰ a day,
others 2‰ in the year the bill fell due and 3‰ in later years; at least 1 yuan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gridcrm.billing.latefees import DEFAULT_RATES, LateFeeRates, late_fee

D = Decimal


def test_residential_one_per_mille_a_day() -> None:
    """200.00 due 2024-03-25, unpaid on 2024-04-04: overdue 26–31 March (6 days) and
    1–4 April (4 days) = 10 days; 200.00 × 1‰ × 10 = 2.00."""
    fee = late_fee(
        amount=D("200.00"),
        due_on=date(2024, 3, 25),
        payments=[],
        as_of=date(2024, 4, 4),
        residential=True,
    )
    assert fee == D("2.00")


def test_non_residential_current_year_two_per_mille_until_paid() -> None:
    """10,000.00 due 2024-05-25, paid in full 2024-06-03 (counted: to the day of
    payment): 26–31 May (6) + 1–3 June (3) = 9 days; 10,000 × 2‰ × 9 = 180.00. Nothing
    more accrues after the payment, whatever the day of asking."""
    fee = late_fee(
        amount=D("10000.00"),
        due_on=date(2024, 5, 25),
        payments=[(date(2024, 6, 3), D("10000.00"))],
        as_of=date(2024, 12, 31),
        residential=False,
    )
    assert fee == D("180.00")


def test_across_a_year_boundary_three_per_mille_in_the_new_year() -> None:
    """5,000.00 due 2023-12-25, unpaid on 2024-01-10: 26–31 December, 6 days of the
    year it fell due, 5,000 × 2‰ × 6 = 60.00; 1–10 January, 10 days across the year,
    5,000 × 3‰ × 10 = 150.00; in all 210.00."""
    fee = late_fee(
        amount=D("5000.00"),
        due_on=date(2023, 12, 25),
        payments=[],
        as_of=date(2024, 1, 10),
        residential=False,
    )
    assert fee == D("210.00")


def test_a_partial_payment_lowers_the_base_after_its_day() -> None:
    """1,000.00 due 2024-03-25 (non-residential); 600.00 paid 2024-03-30, 400.00 on
    2024-04-09. 26–30 March (5 days, the day of the part payment included) on 1,000:
    1,000 × 2‰ × 5 = 10.00; 31 March – 9 April (10 days) on 400: 400 × 2‰ × 10 = 8.00;
    in all 18.00."""
    fee = late_fee(
        amount=D("1000.00"),
        due_on=date(2024, 3, 25),
        payments=[(date(2024, 3, 30), D("600.00")), (date(2024, 4, 9), D("400.00"))],
        as_of=date(2024, 4, 30),
        residential=False,
    )
    assert fee == D("18.00")


def test_approved_grace_moves_the_start() -> None:
    """300.00 (residential) due 2024-03-25 with 10 days of approved grace (to 4 April),
    paid 2024-04-08: 5–8 April = 4 days; 300 × 1‰ × 4 = 1.20. Without the grace,
    26 March – 8 April = 14 days, 4.20."""
    common = {
        "amount": D("300.00"),
        "due_on": date(2024, 3, 25),
        "payments": [(date(2024, 4, 8), D("300.00"))],
        "as_of": date(2024, 4, 30),
        "residential": True,
    }
    assert late_fee(**common, grace_until=date(2024, 4, 4)) == D("1.20")  # type: ignore[arg-type]
    assert late_fee(**common) == D("4.20")  # type: ignore[arg-type]


def test_at_least_one_yuan_but_nothing_when_on_time() -> None:
    """50.00 (residential) due 2024-03-25, paid 2024-03-28: 3 days × 50 × 1‰ = 0.15,
    raised to the 1-yuan minimum. Paid on the due date itself: no fee at all."""
    late = late_fee(
        amount=D("50.00"),
        due_on=date(2024, 3, 25),
        payments=[(date(2024, 3, 28), D("50.00"))],
        as_of=date(2024, 4, 30),
        residential=True,
    )
    on_time = late_fee(
        amount=D("50.00"),
        due_on=date(2024, 3, 25),
        payments=[(date(2024, 3, 25), D("50.00"))],
        as_of=date(2024, 4, 30),
        residential=True,
    )
    assert late == D("1.00")
    assert on_time == D("0.00")


def test_rates_come_from_the_rule_version() -> None:
    """A published rule with 0.5‰ for households: 200.00 × 0.5‰ × 10 days = 1.00."""
    rates = LateFeeRates(residential_per_mille=D("0.5"), version=2)
    fee = late_fee(
        amount=D("200.00"),
        due_on=date(2024, 3, 25),
        payments=[],
        as_of=date(2024, 4, 4),
        residential=True,
        rates=rates,
    )
    assert fee == D("1.00")
    assert "第九十八条" in DEFAULT_RATES.source
