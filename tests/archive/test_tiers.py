"""Tier 1 is locked behind four eyes; tiers 2 and 3 are filled in place; edits never
silently overwrite each other."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gridcrm.archive.errors import MissingTier1, Tier1Locked, VersionConflict
from gridcrm.archive.models import ChangeRequest, Customer, FieldChange
from gridcrm.archive.registry import spec
from gridcrm.archive.services import (
    change_request_approve,
    change_request_reject,
    change_request_submit,
    customer_require_tier1,
    customer_update,
)
from gridcrm.core.errors import Invalid, Refused
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user


def test_it_refuses_a_tier1_change_outside_a_change_request(
    agent: User, customer_a: Customer, client: Client
) -> None:
    with pytest.raises(Tier1Locked) as caught:
        customer_update(
            customer=customer_a, changes={"name": "李四"}, acting_user=agent, expected_version=1
        )
    assert caught.value.code == "archive.tier1_locked"
    client.force_login(agent)
    response = client.patch(
        f"/api/customers/{customer_a.account_no}",
        {"version": customer_a.version, "fields": {"name": "李四"}},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "archive.tier1_locked")
    customer_a.refresh_from_db()
    assert customer_a.name == "王建国"
    assert not FieldChange.objects.filter(field="name").exists()


def test_a_tier1_change_needs_a_second_person(
    agent: User, archivist: User, customer_a: Customer
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="address",
        new_value="山西省阳泉市城区桃北西街8号",
        reason="门牌整改",
        acting_user=agent,
    )
    with pytest.raises(Refused) as caught:
        change_request_approve(request=change, acting_user=agent)
    assert caught.value.code == "archive.may_not_decide_change"
    customer_a.refresh_from_db()
    assert customer_a.address != "山西省阳泉市城区桃北西街8号"

    change_request_approve(request=change, acting_user=archivist)
    customer_a.refresh_from_db()
    assert customer_a.address == "山西省阳泉市城区桃北西街8号"
    entry = FieldChange.objects.get(customer=customer_a, field="address")
    assert entry.kind == "change_request"
    assert entry.acting_user == agent
    assert "门牌整改" in entry.reason
    assert entry.change_request == change


def test_an_archive_officer_cannot_approve_their_own_request(
    archivist: User, customer_a: Customer
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="contracted_kva",
        new_value="12",
        reason="增容",
        acting_user=archivist,
    )
    with pytest.raises(Refused) as caught:
        change_request_approve(request=change, acting_user=archivist)
    assert caught.value.code == "archive.four_eyes"
    assert ChangeRequest.objects.get().status == "pending"


def test_a_rejection_says_why_and_changes_nothing(
    agent: User, archivist: User, customer_a: Customer
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="contracted_kva",
        new_value="12",
        reason="增容",
        acting_user=agent,
    )
    with pytest.raises(Invalid) as caught:
        change_request_reject(request=change, acting_user=archivist, note=" ")
    assert (caught.value.code, list(caught.value.fields)) == ("archive.invalid_fields", ["note"])
    change_request_reject(request=change, acting_user=archivist, note="无增容手续")
    customer_a.refresh_from_db()
    assert customer_a.contracted_kva == 8
    assert ChangeRequest.objects.get().status == "rejected"


def test_an_invalid_tier1_value_is_refused_at_request_time(
    agent: User, customer_a: Customer
) -> None:
    with pytest.raises(Invalid) as caught:
        change_request_submit(
            customer=customer_a,
            field="certificate_no",
            new_value="140302198001010010",
            reason="x",
            acting_user=agent,
        )
    assert (caught.value.code, list(caught.value.fields)) == (
        "archive.invalid_fields",
        ["certificate_no"],
    )
    assert not ChangeRequest.objects.exists()


def test_the_second_of_two_concurrent_edits_gets_a_conflict_and_the_first_survives(
    agent: User, collector_a: User, customer_a: Customer
) -> None:
    started_at = customer_a.version
    customer_update(
        customer=customer_a,
        changes={"transformer_area": "德胜街1号台区"},
        acting_user=agent,
        expected_version=started_at,
    )
    with pytest.raises(VersionConflict) as caught:
        customer_update(
            customer=customer_a,
            changes={"transformer_area": "德胜街2号台区"},
            acting_user=collector_a,
            expected_version=started_at,
        )
    assert caught.value.code == "archive.version_conflict"
    customer_a.refresh_from_db()
    assert customer_a.transformer_area == "德胜街1号台区"
    assert customer_a.version == started_at + 1


def test_the_api_answers_409_for_a_stale_version(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    url = f"/api/customers/{customer_a.account_no}"
    body = {"version": customer_a.version, "fields": {"payment_method": "app"}}
    assert client.patch(url, body, content_type="application/json").status_code == 200
    body["fields"] = {"payment_method": "counter"}
    response = client.patch(url, body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (409, "archive.version_conflict")
    customer_a.refresh_from_db()
    assert customer_a.payment_method == "app"


def test_the_edit_page_reports_a_conflict_and_keeps_the_first_save(
    agent: User, collector_a: User, customer_a: Customer, client: Client
) -> None:
    url = f"/customers/{customer_a.account_no}/edit/behaviour/"
    client.force_login(agent)
    form = {"version": customer_a.version, "payment_method": "app"}
    assert client.post(url, form).status_code == 302
    client.force_login(collector_a)
    response = client.post(url, {"version": form["version"], "payment_method": "counter"})
    assert response.status_code == 200
    assert (
        "Someone else saved" in response.content.decode() or "其他人" in response.content.decode()
    )
    customer_a.refresh_from_db()
    assert customer_a.payment_method == "app"


def test_tier3_information_records_how_and_when_it_was_learnt(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    url = f"/customers/{customer_a.account_no}/edit/behaviour/"
    response = client.post(url, {"version": customer_a.version, "preferred_channel": "wechat"})
    assert response.status_code == 200  # refused: where and when is missing
    customer_a.refresh_from_db()
    assert customer_a.preferred_channel == ""
    response = client.post(
        url,
        {
            "version": customer_a.version,
            "preferred_channel": "wechat",
            "contact_channel": "phone",
            "captured_on": "2026-11-20",
        },
    )
    assert response.status_code == 302
    entry = FieldChange.objects.get(field="preferred_channel")
    assert (entry.kind, entry.contact_channel, entry.captured_on) == (
        "captured",
        "phone",
        dt.date(2026, 11, 20),
    )


def test_a_role_may_not_edit_fields_outside_its_remit(customer_a: Customer) -> None:
    planner = make_user("planner", Role.DEMAND_PLANNER)
    with pytest.raises(Refused) as caught:
        customer_update(
            customer=customer_a,
            changes={"transformer_area": "x"},
            acting_user=planner,
            expected_version=customer_a.version,
        )
    assert caught.value.code == "archive.may_not_edit_fields"


def test_derived_fields_cannot_be_typed_in(agent: User, customer_a: Customer) -> None:
    with pytest.raises(Refused) as caught:
        customer_update(
            customer=customer_a,
            changes={"outage_sensitivity": "2.5"},
            acting_user=agent,
            expected_version=customer_a.version,
        )
    assert caught.value.code == "archive.may_not_edit_fields"


def test_a_business_action_refuses_while_tier1_fields_are_missing(customer_a: Customer) -> None:
    customer_require_tier1(customer=customer_a, action="新装")
    Customer.objects.filter(pk=customer_a.pk).update(certificate_no="", voltage_level="")
    customer_a.refresh_from_db()
    with pytest.raises(MissingTier1) as caught:
        customer_require_tier1(customer=customer_a, action="新装")
    assert caught.value.code == "archive.missing_tier1"
    assert set(caught.value.labels) == {
        str(spec("certificate_no").label),
        str(spec("voltage_level").label),
    }


def test_the_customer_page_shows_history_with_personal_values_masked(
    agent: User, archivist: User, customer_a: Customer, client: Client
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="phone",
        new_value="13912345678",
        reason="换号",
        acting_user=agent,
    )
    change_request_approve(request=change, acting_user=archivist)
    client.force_login(agent)
    html = client.get(customer_a.get_absolute_url()).content.decode()
    assert "139****5678" in html
    assert "13912345678" not in html
    assert "138****7890" in html  # the old value, masked too
    assert "换号" in html


def test_the_api_answers_each_refusal_with_its_kind_and_code(
    agent: User, archivist: User, collector_b: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(collector_b)  # customer A is outside this collector's region
    response = client.get(f"/api/customers/{customer_a.account_no}")
    assert (response.status_code, response.json()["code"]) == (404, "archive.customer_not_found")
    client.force_login(agent)
    url = f"/api/customers/{customer_a.account_no}/change-requests"
    body = {"field": "contracted_kva", "new_value": "12", "reason": "增容"}
    change_id = client.post(url, body, content_type="application/json").json()["id"]
    response = client.post(f"/api/change-requests/{change_id}/approve", {}, "application/json")
    assert (response.status_code, response.json()["code"]) == (403, "archive.may_not_decide_change")
    client.force_login(archivist)
    response = client.post(f"/api/change-requests/{change_id}/reject", {}, "application/json")
    assert (response.status_code, response.json()["code"]) == (422, "archive.invalid_fields")
    assert response.json()["fields"].keys() == {"note"}
    approved = client.post(f"/api/change-requests/{change_id}/approve", {}, "application/json")
    assert approved.status_code == 200
    response = client.post(f"/api/change-requests/{change_id}/approve", {}, "application/json")
    assert (response.status_code, response.json()["code"]) == (
        409,
        "archive.change_request_decided",
    )


def test_only_roles_that_import_may_create_a_customer_through_the_api(
    agent: User, archivist: User, customer_a: Customer, client: Client
) -> None:
    fields = {
        "account_no": "0100000077",
        "name": "张三",
        "certificate_type": "resident_id",
        "certificate_no": customer_a.certificate_no,
        "tariff_category": "residential",
        "tariff_structure": "single_part",
        "voltage_level": "220V",
        "contracted_kva": "8",
        "region": customer_a.region.code,
        "address": "山西省阳泉市城区德胜街77号",
        "phone": "13834567890",
        "billing_method": "energy",
        "tou_applied": "0",
    }
    client.force_login(agent)
    response = client.post("/api/customers", {"fields": fields}, "application/json")
    assert (response.status_code, response.json()["code"]) == (
        403,
        "archive.may_not_create_customer",
    )
    client.force_login(archivist)
    response = client.post("/api/customers", {"fields": fields}, "application/json")
    assert response.status_code == 201, response.json()
    response = client.post("/api/customers", {"fields": fields}, "application/json")
    assert (response.status_code, response.json()["code"]) == (422, "archive.account_no_taken")
