"""Each latent-need rule fires on data made to trigger it and stays silent otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from django.utils import timezone

from gridcrm.archive.choices import ImportanceClass
from gridcrm.archive.models import Customer, VoltageLevel
from gridcrm.core.errors import Invalid
from gridcrm.keyaccounts import latent
from gridcrm.keyaccounts.models import KeyAccount
from gridcrm.keyaccounts.services import keyaccount_nominate, latent_need_add, visit_record
from gridcrm.lake.models import MonthlyLoadFeature
from gridcrm.lake.schemas import OUTAGES, READINGS
from gridcrm.lake.services import facts_append
from gridcrm.service.models import RequestType
from gridcrm.service.services import request_create
from tests.conftest import Regions, make_customer
from tests.keyaccounts.conftest import Cast, make_plant


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


def _data(account: KeyAccount) -> latent.AccountData:
    account.customer.refresh_from_db()
    return latent.account_data([account])[account.pk]


def _rules(account: KeyAccount) -> set[str]:
    return {s.rule for s in latent.evaluate(_data(account))}


def test_nothing_fires_on_an_ordinary_account(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 24, max_kw=1200)
    assert _rules(cast.mine) == set()


def test_capacity_headroom_fires_from_the_archive(cast: Cast) -> None:
    Customer.objects.filter(pk=cast.mine.customer_id).update(max_demand_kw=Decimal("1800"))
    suggestion = latent.capacity_headroom(_data(cast.mine))
    assert suggestion is not None
    assert suggestion.evidence == {
        "max_demand_kw": 1800.0,
        "contracted_kva": 2000.0,
        "ratio": 0.9,
        "threshold": 0.85,
        "source": "archive",
    }
    Customer.objects.filter(pk=cast.mine.customer_id).update(max_demand_kw=Decimal("1600"))
    assert _rules(cast.mine) == set()


def test_capacity_headroom_fires_from_the_lake(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, max_kw=1750)
    assert _rules(cast.mine) == {"capacity_headroom"}


def test_peak_share_fires_on_a_peaky_load(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, peak_share=0.5)
    suggestion = latent.peak_share(_data(cast.mine))
    assert suggestion is not None
    assert suggestion.evidence["share"] == pytest.approx(0.5)
    assert _rules(cast.theirs) == set()


def test_peak_share_needs_three_months(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 2, peak_share=0.6)
    assert _rules(cast.mine) == set()


def test_growth_fires_when_consumption_grows_a_fifth(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12 + [100_000.0] * 9 + [130_000.0] * 3)
    suggestion = latent.growth(_data(cast.mine))
    assert suggestion is not None
    assert suggestion.evidence["ratio"] == pytest.approx(1.3)
    assert suggestion.evidence["to_month"] == "2025-12-01"


def test_growth_stays_silent_below_the_threshold_or_without_last_year(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 21 + [110_000.0] * 3)
    _months(cast.theirs.customer, [100_000.0] * 3 + [200_000.0] * 3)
    assert _rules(cast.mine) == set()
    assert _rules(cast.theirs) == set()


def test_a_latent_need_from_a_rule_keeps_its_evidence_and_is_not_suggested_again(
    cast: Cast,
) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, peak_share=0.5)
    need = latent_need_add(account=cast.mine, rule="peak_share", acting_user=cast.specialist)
    assert need.rule == "peak_share"
    assert need.evidence["share"] == pytest.approx(0.5)
    assert latent.suggestions_for(account=cast.mine) == []
    with pytest.raises(Invalid) as invalid:
        latent_need_add(account=cast.mine, rule="peak_share", acting_user=cast.specialist)
    assert invalid.value.code == "keyaccounts.rule_not_suggesting"


def test_a_rule_that_does_not_fire_cannot_be_added(cast: Cast) -> None:
    with pytest.raises(Invalid) as invalid:
        latent_need_add(account=cast.mine, rule="growth", acting_user=cast.specialist)
    assert invalid.value.code == "keyaccounts.rule_not_suggesting"


def test_peak_share_stays_silent_for_a_flat_round_the_clock_load(cast: Cast) -> None:
    _months(cast.mine.customer, [100_000.0] * 12, peak_share=0.42)
    assert _rules(cast.mine) == set()


# The power factor, from the lake's readings ---------------------------------------------


def _readings(account_no: str, months: int, pf: float) -> None:
    """One local day of 15-minute readings in each of the last ``months`` months."""
    today = timezone.localdate()
    ts: list[dt.datetime] = []
    for back in range(months):
        first = (today.replace(day=1) - dt.timedelta(days=28 * back)).replace(day=2)
        start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC) - dt.timedelta(hours=8)
        ts += [start + dt.timedelta(minutes=15 * i) for i in range(96)]
    facts_append(
        table="readings",
        facts=pa.table(
            {
                "account_no": [account_no] * len(ts),
                "meter_no": ["M1"] * len(ts),
                "ts": ts,
                "kwh": [100.0] * len(ts),
                "kw": [400.0] * len(ts),
                "power_factor": [pf] * len(ts),
            },
            schema=READINGS.arrow,
        ),
    )


def test_power_factor_fires_below_the_standard_with_the_months_as_evidence(cast: Cast) -> None:
    _readings("0300000001", 4, pf=0.82)
    _readings("0300000002", 4, pf=0.95)
    suggestion = latent.power_factor(_data(cast.mine))
    assert suggestion is not None
    assert suggestion.evidence["power_factor"] == pytest.approx(0.82, abs=0.001)
    assert suggestion.evidence["standard"] == 0.90  # 10 kV, 2000 kVA
    assert len(suggestion.evidence["months"]) == 3
    assert _rules(cast.theirs) == set()


def test_power_factor_stays_silent_without_three_months_or_without_readings(cast: Cast) -> None:
    _readings("0300000001", 2, pf=0.70)
    assert _rules(cast.mine) == set()
    assert _rules(cast.theirs) == set()


def test_the_power_factor_standard_follows_the_tariff_rules(cast: Cast, regions: Regions) -> None:
    assert latent.power_factor_standard(cast.mine.customer) == 0.90
    household = make_customer(regions.station_a1, "0100000009", "王建国")
    assert latent.power_factor_standard(household) == 0.85


# Repeated outages --------------------------------------------------------------------------


def _outages(scope_id: str, days_ago: list[int], scope: str = "customer") -> None:
    now = timezone.now()
    starts = [now - dt.timedelta(days=d) for d in days_ago]
    facts_append(
        table="outages",
        facts=pa.table(
            {
                "event_id": [f"OUT{scope_id}{d}" for d in days_ago],
                "scope": [scope] * len(starts),
                "scope_id": [scope_id] * len(starts),
                "planned": [False] * len(starts),
                "start_at": starts,
                "end_at": [s + dt.timedelta(hours=1) for s in starts],
                "cause": ["雷击"] * len(starts),
            },
            schema=OUTAGES.arrow,
        ),
    )


def test_repeated_outages_fire_from_the_lake(cast: Cast) -> None:
    _outages("0300000001", [10, 40, 200])
    _outages("0300000002", [10, 400, 500])  # two of them more than a year ago
    suggestion = latent.repeated_outages(_data(cast.mine))
    assert suggestion is not None
    assert suggestion.evidence["outage_days"] == 3
    assert suggestion.evidence["sources"] == {"lake": 3}
    assert suggestion.evidence["important_customer"] == ""
    assert _rules(cast.theirs) == set()


def test_repeated_outages_on_the_transformer_area_count(cast: Cast, regions: Regions) -> None:
    shop = make_plant(
        regions,
        "0300000031",
        "阳泉市城区百货商店",
        voltage_level=VoltageLevel.V380,
        contracted_kva=Decimal("200"),
        transformer_area="德胜街3号台区",
    )
    account = keyaccount_nominate(customer=shop, reason="市重点商户", acting_user=cast.marketing)
    _outages("德胜街3号台区", [5, 50, 90], scope="transformer")
    assert "repeated_outages" in _rules(account)
    assert _rules(cast.mine) == set()


def test_an_important_customer_with_repeated_fault_repairs_gets_dual_supply(cast: Cast) -> None:
    Customer.objects.filter(pk=cast.mine.customer_id).update(
        importance_class=ImportanceClass.CLASS_II
    )
    fault = RequestType.objects.get(code="fault_repair")
    for days in (3, 60, 120):
        request_create(
            customer=cast.mine.customer,
            request_type=fault,
            channel="phone",
            summary="10kV进线跳闸",
            acting_user=cast.owner,
            now=timezone.now() - dt.timedelta(days=days),
        )
    suggestion = latent.repeated_outages(_data(cast.mine))
    assert suggestion is not None
    assert suggestion.evidence["sources"] == {"fault_repair": 3}
    assert suggestion.evidence["important_customer"] == ImportanceClass.CLASS_II
    assert suggestion.title == latent.DUAL_SUPPLY_TITLE
    assert suggestion.rule == "repeated_outages"


def test_two_outage_days_stay_silent(cast: Cast) -> None:
    _outages("0300000001", [10, 11])
    fault = RequestType.objects.get(code="fault_repair")
    request_create(
        customer=cast.mine.customer,
        request_type=fault,
        channel="phone",
        summary="跳闸",
        acting_user=cast.owner,
        now=timezone.now() - dt.timedelta(days=11),
    )
    assert _rules(cast.mine) == set()


# Topics mined from the visit notes -------------------------------------------------------------


def _visit(cast: Cast, days_ago: int, notes: str) -> None:
    visit_record(
        account=cast.mine,
        visited_on=timezone.localdate() - dt.timedelta(days=days_ago),
        people_met="设备动力部张部长",
        topics=["energy_efficiency"],
        notes=notes,
        acting_user=cast.owner,
    )


def test_a_theme_recurring_in_visit_notes_fires_with_its_visits_and_words(cast: Cast) -> None:
    _visit(cast, 100, "客户功率因素偏低被考核,上月力调电费增加约3万元。")
    _visit(cast, 40, "再次谈到功率因数问题,客户有意加装无功补偿装置。")
    _visit(cast, 10, "客户厂房屋顶面积约8000平方米。")
    found = {s.rule: s for s in latent.evaluate(_data(cast.mine))}
    assert set(found) == {"notes_reactive_power"}
    evidence = found["notes_reactive_power"].evidence
    assert len(evidence["visits"]) == 2
    assert "功率因数×2" in evidence["words"]
    assert "无功补偿×1" in evidence["words"]


def test_a_theme_mentioned_once_or_long_ago_stays_silent(cast: Cast) -> None:
    _visit(cast, 400, "客户功率因数偏低。")
    _visit(cast, 10, "客户功率因数偏低,建议加装无功补偿装置。")
    _visit(cast, 5, "客户咨询光伏并网流程。")
    assert _rules(cast.mine) == set()


def test_notes_corroborate_a_data_rule_instead_of_repeating_it(cast: Cast) -> None:
    _readings("0300000001", 3, pf=0.80)
    _visit(cast, 60, "客户功率因数偏低被考核。")
    _visit(cast, 20, "客户再次提到力调电费。")
    found = {s.rule: s for s in latent.evaluate(_data(cast.mine))}
    assert set(found) == {"power_factor"}
    assert len(found["power_factor"].evidence["visits"]) == 2
