"""The safety API: every write with a bearer token (a client enforcing CSRF, so a write
that fell back to the session would fail), 404 outside the inspector's region, bad input
answered with its code and nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.safety.models import Hazard, Inspection, SafetyRules
from gridcrm.safety.rules import DEFAULT_CYCLES, DEFAULT_DEADLINES
from gridcrm.service.models import Notice
from gridcrm.users.models import User
from tests.safety.conftest import one_hazard, record, today, token_client

JSON = "application/json"


def _body(account_no: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account_no": account_no,
        "inspected_on": today().isoformat(),
        "checklist": {"switchgear": "ok", "grounding": "problem"},
        "result": "hazards",
        "notes": "配电室",
        "hazards": [{"description": "接地电阻超标", "severity": "significant"}],
    }
    body.update(changes)
    return body


def test_an_inspector_records_and_follows_a_hazard_with_a_token(
    inspector_a: User, hospital: Customer
) -> None:
    client, headers = token_client(inspector_a)
    created = client.post(
        "/api/safety/inspections", _body(hospital.account_no), content_type=JSON, headers=headers
    )
    assert created.status_code == 201, created.content
    inspection = created.json()
    hazard = inspection["hazards"][0]
    assert (hazard["severity"], hazard["status"]) == ("significant", "open")
    assert hazard["deadline"] == (today() + dt.timedelta(days=30)).isoformat()
    assert Notice.objects.get(pk=hazard["notice_id"]).kind == "hazard"
    listed = client.get("/api/safety/hazards", headers=headers).json()
    assert [h["id"] for h in listed] == [hazard["id"]]

    closing = client.post(
        f"/api/safety/hazards/{hazard['id']}/reinspection",
        {"inspected_on": today().isoformat(), "rectified": True},
        content_type=JSON,
        headers=headers,
    )
    assert (closing.status_code, closing.json()["code"]) == (409, "safety.not_rectified")
    reported = client.post(
        f"/api/safety/hazards/{hazard['id']}/rectification",
        {"reported_on": today().isoformat(), "note": "已整改"},
        content_type=JSON,
        headers=headers,
    )
    assert (reported.status_code, reported.json()["status"]) == (200, "reported")
    closed = client.post(
        f"/api/safety/hazards/{hazard['id']}/reinspection",
        {"inspected_on": today().isoformat(), "rectified": True, "notes": "复查合格"},
        content_type=JSON,
        headers=headers,
    )
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert client.get("/api/safety/hazards", headers=headers).json() == []
    detail = client.get(f"/api/safety/inspections/{inspection['id']}", headers=headers).json()
    assert detail["hazards"][0]["closed_on"] == today().isoformat()


def test_bad_input_is_answered_with_its_code_and_nothing_written(
    inspector_a: User, hospital: Customer
) -> None:
    client, headers = token_client(inspector_a)
    cases = [
        (
            _body(
                hospital.account_no,
                hazards=[{"description": "积水", "severity": "major", "deadline": "2020-01-01"}],
            ),
            422,
            "safety.deadline_past",
        ),
        (_body("0999999999"), 404, "safety.unknown_customer"),
        (_body(hospital.account_no, result="passed"), 422, "safety.invalid_inspection"),
        (_body(hospital.account_no, checklist={"roof": "ok"}), 422, "safety.invalid_inspection"),
    ]
    for body, status, code in cases:
        answer = client.post("/api/safety/inspections", body, content_type=JSON, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
    assert not Inspection.objects.exists()
    assert not Notice.objects.exists()


def test_records_outside_the_inspectors_region_answer_404(
    inspector_a: User, inspector_b: User, hospital: Customer, customer_b: Customer
) -> None:
    theirs = record(inspector_b, customer_b, ("高压柜锈蚀", "general"))
    hazard = one_hazard(theirs)
    client, headers = token_client(inspector_a)
    for url in (f"/api/safety/inspections/{theirs.pk}", f"/api/safety/hazards/{hazard.pk}"):
        assert client.get(url, headers=headers).status_code == 404
    reported = client.post(
        f"/api/safety/hazards/{hazard.pk}/rectification",
        {"reported_on": today().isoformat()},
        content_type=JSON,
        headers=headers,
    )
    assert (reported.status_code, reported.json()["code"]) == (404, "safety.hazard_not_found")
    created = client.post(
        "/api/safety/inspections", _body(customer_b.account_no), content_type=JSON, headers=headers
    )
    assert (created.status_code, created.json()["code"]) == (404, "safety.unknown_customer")
    assert client.get("/api/safety/hazards", headers=headers).json() == []
    assert [row["account_no"] for row in client.get("/api/safety/due", headers=headers).json()] == [
        hospital.account_no
    ]
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.OPEN


def test_rules_are_published_by_a_manager_with_a_token_and_refused_to_an_inspector(
    manager: User, inspector_a: User
) -> None:
    body = {"cycles": list(DEFAULT_CYCLES), "deadlines": list(DEFAULT_DEADLINES)}
    client, headers = token_client(inspector_a)
    refused = client.put("/api/safety/rules", body, content_type=JSON, headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "safety.may_not_manage_rules")
    client, headers = token_client(manager)
    bad = client.put(
        "/api/safety/rules",
        {**body, "deadlines": body["deadlines"][:1]},
        content_type=JSON,
        headers=headers,
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "safety.invalid_rules")
    ok = client.put("/api/safety/rules", body, content_type=JSON, headers=headers)
    assert (ok.status_code, ok.json()["version"]) == (200, 1)
    assert SafetyRules.objects.count() == 1
    assert client.get("/api/safety/rules", headers=headers).json()["version"] == 1


def test_a_role_without_safety_work_is_refused(
    outsider: User, manager: User, hospital: Customer
) -> None:
    client, headers = token_client(outsider)
    assert client.get("/api/safety/hazards", headers=headers).status_code == 403
    client, headers = token_client(manager)
    answer = client.post(
        "/api/safety/inspections", _body(hospital.account_no), content_type=JSON, headers=headers
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "safety.may_not_inspect")
    assert Client().get("/api/safety/hazards").status_code == 401
    assert not Inspection.objects.exists()
