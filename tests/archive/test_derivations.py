"""Segments, completeness, mapping rules and the tier-2 worklist."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from gridcrm.archive.errors import InvalidFields
from gridcrm.archive.models import Customer, FieldChange, RuleSetVersion
from gridcrm.archive.segments import classify_segment
from gridcrm.archive.services import customer_update, rules_publish, segment_override
from gridcrm.core.errors import Invalid
from gridcrm.jobs.models import Job
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user, uscc


@pytest.mark.parametrize(
    ("tariff", "industry", "segment"),
    [
        ("residential", "", "residential"),
        ("general_ci", "Q8411", "public_utility"),  # a hospital
        ("large_industry", "D4610", "public_utility"),  # water works
        ("general_ci", "S9221", "public_utility"),  # government
        ("large_industry", "C3120", "industrial"),
        ("general_ci", "C3311", "industrial"),
        ("general_ci", "F5212", "commercial"),
        ("agriculture", "A0112", "other"),
    ],
)
def test_segments_follow_tariff_and_industry(tariff: str, industry: str, segment: str) -> None:
    assert classify_segment(tariff_category=tariff, industry_code=industry) == segment


def test_a_segment_override_needs_a_reason_and_is_recorded(customer_b: Customer) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    with pytest.raises(InvalidFields) as caught:
        segment_override(
            customer=customer_b,
            segment="public_utility",
            reason="",
            acting_user=manager,
            expected_version=customer_b.version,
        )
    assert list(caught.value.fields) == ["reason"]
    customer = segment_override(
        customer=customer_b,
        segment="public_utility",
        reason="市属供热企业,按公共事业服务",
        acting_user=manager,
        expected_version=customer_b.version,
    )
    assert customer.segment == "public_utility"
    entry = FieldChange.objects.get(field="segment", customer=customer)
    assert (entry.old_value, entry.new_value) == ("industrial", "public_utility")
    customer = segment_override(
        customer=customer,
        segment="",
        reason="",
        acting_user=manager,
        expected_version=customer.version,
    )
    assert customer.segment == "industrial"


def test_completeness_rises_as_tier2_data_is_filled(agent: User, customer_a: Customer) -> None:
    before = customer_a.completeness
    customer = customer_update(
        customer=customer_a,
        changes={"transformer_area": "德胜街1号台区", "payment_method": "app"},
        acting_user=agent,
        expected_version=customer_a.version,
    )
    assert 0 < before < customer.completeness <= 100


def test_the_worklist_shows_the_collectors_region_most_valuable_first(
    regions: Regions, collector_a: User, customer_b: Customer, client: Client
) -> None:
    small = make_customer(regions.station_a1, "0100000010", "张小户")
    big = make_customer(
        regions.station_a1,
        "0100000011",
        "阳泉市城区超市有限公司",
        tariff_category="general_ci",
        industry_code="F5212",
        contracted_kva="630",
        voltage_level="10kV",
        certificate_type="uscc",
        certificate_no=uscc(11),
    )
    client.force_login(collector_a)
    html = client.get("/customers/worklist/").content.decode()
    assert html.index(big.account_no) < html.index(small.account_no)
    assert customer_b.account_no not in html
    response = client.post(
        f"/customers/{small.account_no}/fill/",
        {
            f"{small.account_no}-version": small.version,
            f"{small.account_no}-transformer_area": "德胜街2号台区",
            f"{small.account_no}-payment_method": "wechat_alipay",
            f"{small.account_no}-meter_kind": "smart_1p",
            f"{small.account_no}-meter_count": "1",
        },
    )
    assert "✓" in response.content.decode()
    small.refresh_from_db()
    assert small.transformer_area == "德胜街2号台区"
    html = client.get("/customers/worklist/").content.decode()
    assert small.account_no not in html


HOSPITAL_RULES = [
    {
        "code": "public_outage",
        "name": "公共事业单位停电敏感",
        "conditions": [{"field": "segment", "op": "eq", "value": "public_utility"}],
        "target": "outage_sensitivity",
        "value": "1.5",
    },
    {
        "code": "important_outage",
        "name": "重要用户停电高度敏感",
        "conditions": [{"field": "importance_class", "op": "in", "value": "special,class_1"}],
        "target": "outage_sensitivity",
        "value": "2",
    },
]


def test_mapping_rules_raise_sensitivity_and_rerun_on_every_change(
    regions: Regions, agent: User
) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    version = rules_publish(rules=HOSPITAL_RULES, note="首版", acting_user=manager)
    hospital = make_customer(
        regions.station_a1,
        "0100000020",
        "阳泉市第一人民医院",
        tariff_category="general_ci",
        industry_code="Q8411",
        contracted_kva="2500",
        voltage_level="10kV",
        certificate_type="uscc",
        certificate_no=uscc(20),
    )
    assert hospital.outage_sensitivity == Decimal("1.5")
    assert [r["code"] for r in hospital.rules_fired] == ["public_outage"]
    assert hospital.rules_fired[0]["version"] == version.number
    hospital = customer_update(
        customer=hospital,
        changes={"importance_class": "class_1"},
        acting_user=agent,
        expected_version=hospital.version,
    )
    assert hospital.outage_sensitivity == Decimal("2")
    assert {r["code"] for r in hospital.rules_fired} == {"public_outage", "important_outage"}


def test_publishing_refuses_a_rule_with_a_bad_target(agent: User) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    bad = [{**HOSPITAL_RULES[0], "target": "name"}]
    with pytest.raises(Invalid) as caught:
        rules_publish(rules=bad, note="x", acting_user=manager)
    assert (caught.value.code, list(caught.value.fields)) == ("archive.invalid_rules", ["1.target"])
    assert not RuleSetVersion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_manager_edits_rules_in_the_ui_and_a_batch_applies_them(
    regions: Regions, client: Client
) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    water = make_customer(
        regions.station_a1,
        "0100000030",
        "阳泉市自来水公司",
        tariff_category="large_industry",
        industry_code="D4610",
        contracted_kva="4000",
        voltage_level="10kV",
        certificate_type="uscc",
        certificate_no=uscc(30),
    )
    assert water.outage_sensitivity == 1
    client.force_login(manager)
    assert client.get("/customers/rules/").status_code == 200
    response = client.post(
        "/customers/rules/",
        {
            "rule_count": "1",
            "note": "公共事业停电敏感",
            "r0-code": "public_outage",
            "r0-name": "公共事业",
            "r0-priority": "10",
            "r0-condition_count": "3",
            "r0-c0-field": "segment",
            "r0-c0-op": "eq",
            "r0-c0-value": "public_utility",
            "r0-target": "outage_sensitivity",
            "r0-value": "1.6",
            "r0-raise_only": "on",
        },
    )
    assert response.status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Job.objects.get().status == "succeeded"
    water.refresh_from_db()
    assert water.outage_sensitivity == Decimal("1.6")
    html = client.get(water.get_absolute_url()).content.decode()
    assert "public_outage" in html


def test_search_by_phone_whole_or_last_four(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    for q in ["13834567890", "7890"]:
        items = client.get("/api/customers", {"q": q}).json()["items"]
        assert [i["account_no"] for i in items] == [customer_a.account_no], q


def test_facts_fill_derived_fields_and_never_overwrite_entered_ones(
    customer_b: Customer,
) -> None:
    from gridcrm.archive.services import customers_facts_apply

    before = customer_b.completeness
    changed = customers_facts_apply(
        values={customer_b.pk: {"annual_kwh": 52_000_000, "max_demand_kw": 14_250.4}}
    )
    customer_b.refresh_from_db()
    assert changed == 1
    assert customer_b.annual_kwh == 52_000_000
    assert customer_b.max_demand_kw == Decimal("14250.4")
    assert customer_b.completeness > before
    with pytest.raises(InvalidFields) as caught:
        customers_facts_apply(values={customer_b.pk: {"name": "x"}})
    assert caught.value.code == "archive.not_derived"
    assert customers_facts_apply(values={customer_b.pk: {"annual_kwh": 52_000_000}}) == 0


def test_the_rules_page_never_publishes_when_its_rows_were_lost(
    regions: Regions, client: Client
) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    rules_publish(rules=HOSPITAL_RULES, note="首版", acting_user=manager)
    client.force_login(manager)
    for post in (
        {"note": "只有备注"},  # no rule_count at all
        {"note": "行数不符", "rule_count": "2", "r0-code": ""},  # row 1 never arrived
        {"note": "乱码", "rule_count": "x"},
    ):
        response = client.post("/customers/rules/", post)
        assert response.status_code == 200
        assert "rule-errors" in response.content.decode()
    assert list(RuleSetVersion.objects.values_list("number", flat=True)) == [1]
    # Deleting every rule on purpose is still possible.
    response = client.post(
        "/customers/rules/",
        {"note": "全部删除", "rule_count": "1", "r0-code": "public_outage", "r0-delete": "on"},
    )
    assert response.status_code == 302
    assert RuleSetVersion.objects.get(number=2).rules.count() == 0


def test_the_api_reads_and_publishes_rules_in_the_rule_row_shape(
    agent: User, client: Client
) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    client.force_login(manager)
    assert client.get("/api/fields/rules").json() == {"version": None, "rules": []}
    response = client.post(
        "/api/fields/rules",
        {"note": "首版", "rules": HOSPITAL_RULES},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = client.get("/api/fields/rules").json()
    assert body["version"] == 1
    assert {r["code"] for r in body["rules"]} == {"public_outage", "important_outage"}
    bad = {**HOSPITAL_RULES[0], "value": "9"}  # above the coefficient's maximum
    response = client.post(
        "/api/fields/rules", {"note": "v2", "rules": [bad]}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (422, "archive.invalid_rules")
    client.force_login(agent)
    response = client.post(
        "/api/fields/rules",
        {"note": "v2", "rules": HOSPITAL_RULES},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "archive.may_not_manage_rules")
    assert RuleSetVersion.objects.count() == 1


def test_facts_write_only_the_columns_that_moved(customer_b: Customer) -> None:
    """Naming an indexed column costs index work on every row (docs/benchmarks.md,
    "Derived fields at 1,000,000 customers"): the hashes and bigrams stay out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridcrm.archive.services import customers_facts_apply

    with CaptureQueriesContext(connection) as queries:
        customers_facts_apply(values={customer_b.pk: {"annual_kwh": 61_000_000}})
    (update,) = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert "annual_kwh" in update
    for untouched in ("search_bigrams", "phone_hash", "certificate_hash", "max_demand_kw"):
        assert untouched not in update
    customer_b.refresh_from_db()
    assert customer_b.annual_kwh == 61_000_000
