"""The grid API: reads scoped like the pages, every write with a bearer token (the strict
client: a write that fell back to the session would need CSRF and fail)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.grid.models import ImportanceRules, Outage, Substation
from gridcrm.grid.rules import DEFAULT_RULES
from gridcrm.jobs.models import Job
from gridcrm.jobs.services import job_execute
from gridcrm.service.models import NoticeDelivery
from gridcrm.users.models import User
from gridcrm.users.services import api_token_issue
from tests.grid.conftest import Grid


def token_client(user: User) -> tuple[Client, dict[str, str]]:
    return Client(enforce_csrf_checks=True), {
        "Authorization": f"Bearer {api_token_issue(user=user, name='gis')}"
    }


def test_reads_give_impact_gaps_stations_feeders_and_equipment(
    grid: Grid, manager: User, customer_a: Customer
) -> None:
    client, headers = token_client(manager)
    impact = client.get("/api/grid/impact/feeder/F-A1", headers=headers).json()
    assert [c["account_no"] for c in impact["customers"]] == [
        grid.hospital.account_no,
        customer_a.account_no,
    ]
    assert impact["customers"][0]["backup"] == "other_source"
    gaps = client.get("/api/grid/important?gaps_only=true", headers=headers).json()
    assert [(g["account_no"], g["gaps"]) for g in gaps] == [
        (grid.school.account_no, ["sources", "no_emergency"])
    ]
    stations = {s["code"]: s for s in client.get("/api/grid/stations", headers=headers).json()}
    assert (stations["S-A"]["important"], stations["S-A"]["compliant"]) == (2, 1)
    tree = client.get("/api/grid/feeders/F-A2", headers=headers).json()
    assert tree["transformers"][0]["customers"] == [grid.school.account_no, grid.shop.account_no]
    equipment = client.get(
        f"/api/grid/customers/{grid.hospital.account_no}", headers=headers
    ).json()
    assert (equipment["configuration"], equipment["gaps"]) == ("dual_source", [])


def test_a_token_publishes_rules_and_is_refused_without_the_role(
    grid: Grid, archivist: User, manager: User
) -> None:
    rows = [dict(r) for r in DEFAULT_RULES]
    client, headers = token_client(manager)
    refused = client.put(
        "/api/grid/rules", {"rules": rows}, content_type="application/json", headers=headers
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "grid.may_not_edit")
    client, headers = token_client(archivist)
    bad = client.put(
        "/api/grid/rules", {"rules": rows[:2]}, content_type="application/json", headers=headers
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "grid.invalid_rules")
    ok = client.put(
        "/api/grid/rules", {"rules": rows}, content_type="application/json", headers=headers
    )
    assert ok.status_code == 200
    assert ok.json()["version"] == 1
    assert ImportanceRules.objects.count() == 1


def test_a_token_enters_an_unplanned_outage(
    grid: Grid, collector_a: User, collector_b: User
) -> None:
    payload = {
        "element": "feeder",
        "code": "F-A2",
        "started_at": (timezone.now() - dt.timedelta(minutes=3)).isoformat(),
        "description": "电缆故障",
    }
    client, headers = token_client(collector_b)
    outside = client.post(
        "/api/grid/outages", payload, content_type="application/json", headers=headers
    )
    assert (outside.status_code, outside.json()["code"]) == (404, "grid.not_found")
    client, headers = token_client(collector_a)
    created = client.post(
        "/api/grid/outages", payload, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    body = created.json()
    assert body["customers"] == 2
    assert body["request_no"].startswith("GD")
    assert set(
        NoticeDelivery.objects.filter(notice_id=body["notice_id"]).values_list(
            "customer__account_no", flat=True
        )
    ) == {grid.school.account_no, grid.shop.account_no}
    assert Outage.objects.count() == 1


def test_a_token_starts_an_import_job(
    regions: object, archivist: User, manager: User, tmp_path: Path, settings: object
) -> None:
    content = "record,code,name,region\nsubstation,S9,新变,YQ01\n".encode()
    client, headers = token_client(manager)
    refused = client.post(
        "/api/grid/import",
        {"file": SimpleUploadedFile("gis.csv", content)},
        headers=headers,
    )
    assert refused.status_code == 403
    client, headers = token_client(archivist)
    started = client.post(
        "/api/grid/import",
        {"file": SimpleUploadedFile("gis.csv", content), "dry_run": "false"},
        headers=headers,
    )
    assert started.status_code == 200
    job = Job.objects.get(pk=started.json()["job_id"])
    assert job.kind == "grid_import"
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert Substation.objects.filter(code="S9").exists()
