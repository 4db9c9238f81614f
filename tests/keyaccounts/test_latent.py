"""Each latent-need rule fires on data made to trigger it and stays silent otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gridcrm.archive.models import Customer
from gridcrm.keyaccounts import latent
from gridcrm.keyaccounts.errors import KeyAccountError
from gridcrm.keyaccounts.services import latent_need_add
from gridcrm.lake.models import MonthlyLoadFeature
from tests.keyaccounts.conftest import Cast


def _months(
    customer: Customer,
    kwh: list[float],
    *,
    peak_share: float = 0.3,
    max_kw: float | None = None,
    start: dt.date = dt.date(2024, 1, 1),
) -> None:
    for i, total in enumerate(kwh):
        month = dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        MonthlyLoadFeature.objects.create(
            customer=customer,
            month=month,
            kwh_total=total,
            kwh_sharp=total * peak_share / 3,
            kwh_peak=total * peak_share * 2 / 3,
            kwh_flat=total * (1 - peak_share) / 2,
            kwh_valley=total * (1 - peak_share) / 2,
            max_demand_kw=max_kw,
        )


def _rules(customer: Customer) -> set[str]:
    customer.refresh_from_db()
    return {s.rule for s in latent.evaluate(customer, latent.features_of(customer))}


def test_nothing_fires_on_an_ordinary_account(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 24, max_kw=1200)
    assert _rules(cast.mine.customer) == set()


def test_capacity_headroom_fires_from_the_archive(cast: Cast) -> None:
    Customer.objects.filter(pk=cast.mine.customer_id).update(max_demand_kw=Decimal("1800"))
    customer = Customer.objects.get(pk=cast.mine.customer_id)
    suggestion = latent.capacity_headroom(customer, [])
    assert suggestion is not None
    assert suggestion.evidence == {
        "max_demand_kw": 1800.0,
        "contracted_kva": 2000.0,
        "ratio": 0.9,
        "threshold": 0.85,
        "source": "archive",
    }
    Customer.objects.filter(pk=cast.mine.customer_id).update(max_demand_kw=Decimal("1600"))
    assert _rules(cast.mine.customer) == set()


def test_capacity_headroom_fires_from_the_lake(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, max_kw=1750)
    assert _rules(cast.mine.customer) == {"capacity_headroom"}


def test_peak_share_fires_on_a_peaky_load(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, peak_share=0.5)
    suggestion = latent.peak_share(cast.mine.customer, latent.features_of(cast.mine.customer))
    assert suggestion is not None
    assert suggestion.evidence["share"] == pytest.approx(0.5)
    assert _rules(cast.theirs.customer) == set()


def test_peak_share_needs_three_months(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 2, peak_share=0.6)
    assert _rules(cast.mine.customer) == set()


def test_growth_fires_when_consumption_grows_a_fifth(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12 + [100_000.0] * 9 + [130_000.0] * 3)
    suggestion = latent.growth(cast.mine.customer, latent.features_of(cast.mine.customer))
    assert suggestion is not None
    assert suggestion.evidence["ratio"] == pytest.approx(1.3)
    assert suggestion.evidence["to_month"] == "2025-12-01"


def test_growth_stays_silent_below_the_threshold_or_without_last_year(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 21 + [110_000.0] * 3)
    _months(cast.theirs.customer, [100_000.0] * 3 + [200_000.0] * 3)
    assert _rules(cast.mine.customer) == set()
    assert _rules(cast.theirs.customer) == set()


def test_a_latent_need_from_a_rule_keeps_its_evidence_and_is_not_suggested_again(
    cast: Cast,
) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, peak_share=0.5)
    need = latent_need_add(account=cast.mine, rule="peak_share", actor=cast.specialist)
    assert need.rule == "peak_share"
    assert need.evidence["share"] == pytest.approx(0.5)
    assert latent.suggestions_for(account=cast.mine) == []
    with pytest.raises(KeyAccountError):
        latent_need_add(account=cast.mine, rule="peak_share", actor=cast.specialist)


def test_a_rule_that_does_not_fire_cannot_be_added(cast: Cast) -> None:
    with pytest.raises(KeyAccountError):
        latent_need_add(account=cast.mine, rule="growth", actor=cast.specialist)


def test_peak_share_stays_silent_for_a_flat_round_the_clock_load(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, peak_share=0.42)
    assert _rules(cast.mine.customer) == set()
