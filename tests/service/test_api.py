"""The service API: the agent's whole flow, and refusals that answer clearly and change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.service.models import GraceRequest, Notice, ServiceRequest
from gridcrm.users.models import User

pytestmark = pytest.mark.django_db


def _open(client: Client, customer: Customer, type_: str = "new_lv_residential") -> Any:
    return client.post(
        "/api/service/requests",
        {"account_no": customer.account_no, "type": type_, "channel": "app", "summary": "新装"},
        content_type="application/json",
    )


def test_an_agent_opens_takes_and_completes_a_request(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    created = _open(client, customer_a)
    assert created.status_code == 201
    body = created.json()
    assert body["current_step"] == "accept"
    assert [s["code"] for s in body["steps"]] == ["accept", "connect", "follow_up"]
    assert body["decision"]["package"] == "standard"
    pk = body["id"]
    queue = client.get("/api/service/requests").json()
    assert [r["id"] for r in queue["items"]] == [pk]
    assert client.post(f"/api/service/requests/{pk}/take").json()["assignee"] == "agent"
    for code in ("accept", "connect", "follow_up"):
        step = client.post(
            f"/api/service/requests/{pk}/steps/{code}/complete",
            {"note": code},
            content_type="application/json",
        )
        assert step.status_code == 200, step.content
    assert client.get(f"/api/service/requests/{pk}").json()["status"] == "done"
    timeline = client.get(f"/api/service/customers/{customer_a.account_no}/timeline").json()
    assert {e["kind"] for e in timeline} >= {"created", "taken", "step_done", "closed"}


def test_a_step_out_of_order_and_a_stale_version_answer_409_with_their_codes(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    pk = _open(client, customer_a).json()["id"]
    wrong = client.post(
        f"/api/service/requests/{pk}/steps/follow_up/complete", {}, content_type="application/json"
    )
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "service.step_out_of_order"
    stale = client.post(
        f"/api/service/requests/{pk}/steps/accept/complete",
        {"version": 99},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "service.stale_request"
    request = ServiceRequest.objects.get(pk=pk)
    assert (request.current_position, request.version) == (1, 1)


def test_out_of_scope_is_404_and_changes_nothing(
    client: Client, agent: User, collector_b: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    pk = _open(client, customer_a).json()["id"]
    client.force_login(collector_b)
    assert _open(client, customer_a).status_code == 404
    assert client.get(f"/api/service/requests/{pk}").status_code == 404
    assert client.post(f"/api/service/requests/{pk}/take").status_code == 404
    done = client.post(
        f"/api/service/requests/{pk}/steps/accept/complete", {}, content_type="application/json"
    )
    assert done.status_code == 404
    timeline = client.get(f"/api/service/customers/{customer_a.account_no}/timeline")
    assert timeline.status_code == 404
    assert client.get("/api/service/requests").json()["items"] == []
    assert ServiceRequest.objects.count() == 1
    assert ServiceRequest.objects.get().assignee is None


def test_unknown_names_answer_with_codes(client: Client, agent: User, customer_a: Customer) -> None:
    client.force_login(agent)
    region = client.get("/api/service/requests?region=NOPE")
    assert (region.status_code, region.json()["code"]) == (422, "service.unknown_region")
    kind = _open(client, customer_a, "no_such_type")
    assert (kind.status_code, kind.json()["code"]) == (422, "service.unknown_request_type")
    missing = client.get("/api/service/requests/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "service.request_not_found")


def test_anonymous_and_roleless_callers_are_refused(
    client: Client, outsider: User, customer_a: Customer
) -> None:
    assert client.get("/api/service/requests").status_code == 401
    client.force_login(outsider)
    assert client.get("/api/service/requests").status_code == 403
    assert _open(client, customer_a).status_code == 404


def test_missing_tier1_data_is_named(client: Client, agent: User, customer_a: Customer) -> None:
    Customer.objects.filter(pk=customer_a.pk).update(certificate_no="")
    client.force_login(agent)
    response = _open(client, customer_a, "transfer")
    assert response.status_code == 422
    assert response.json()["code"] == "service.missing_data"
    assert response.json()["detail"]
    assert not ServiceRequest.objects.exists()


def test_the_matrix_and_types_are_readable_and_editable_by_a_manager(
    client: Client, manager: User, agent: User
) -> None:
    client.force_login(agent)
    assert len(client.get("/api/service/types").json()) >= 20
    current = client.get("/api/service/matrix").json()
    put = {"note": "x", "rules": current["rules"]}
    refused = client.put("/api/service/matrix", put, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "service.refused"
    client.force_login(manager)
    bad = {"note": "x", "rules": [{"priority": 9, "note": "bad"}]}
    invalid = client.put("/api/service/matrix", bad, content_type="application/json")
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "service.invalid_configuration"
    ok = client.put("/api/service/matrix", put, content_type="application/json")
    assert ok.json()["version"] == current["version"] + 1


def test_outage_notice_through_the_api(
    client: Client, planner: User, customer_a: Customer, regions: Any
) -> None:
    client.force_login(planner)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    payload = {
        "kind": "outage",
        "title": "检修停电",
        "body": "……",
        "targets": [{"scope": "station", "value": regions.station_a1.code}],
        "outage_start": start.isoformat(),
        "outage_end": (start + dt.timedelta(hours=4)).isoformat(),
    }
    created = client.post("/api/service/notices", payload, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.post(f"/api/service/notices/{pk}/publish").json()["status"] == "published"
    log = client.get(f"/api/service/notices/{pk}/deliveries").json()["items"]
    assert {d["account_no"] for d in log} == {customer_a.account_no}
    empty = payload | {"targets": []}
    pk2 = client.post("/api/service/notices", empty, content_type="application/json").json()["id"]
    refused = client.post(f"/api/service/notices/{pk2}/publish")
    assert refused.status_code == 422
    assert refused.json()["code"] == "service.no_audience"
    assert Notice.objects.get(pk=pk2).status == "draft"


def test_grace_through_the_api(
    client: Client, agent: User, manager: User, customer_b: Customer, grades: dict[str, str]
) -> None:
    grades[customer_b.account_no] = "AAA"
    client.force_login(agent)
    url = f"/api/service/customers/{customer_b.account_no}"
    assert client.get(f"{url}/payment-terms").json()["grace_max_days"] == 15
    asked = client.post(
        f"{url}/grace",
        {"bill_id": "B1", "due_on": "2025-07-15", "days": 7, "reason": "资金周转"},
        content_type="application/json",
    )
    assert asked.status_code == 201
    client.force_login(manager)
    pk = asked.json()["id"]
    decided = client.post(f"/api/service/grace/{pk}/approve", {}, content_type="application/json")
    # AAA's policy term is 30 days (billing's 25 + 5), then 7 days of grace.
    assert decided.json()["adjusted_due_on"] == "2025-07-27"
    assert GraceRequest.objects.get().status == "approved"
