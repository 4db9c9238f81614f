"""The lake's pages and API: who may see and import, and the customer's load curve in scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gridcrm.archive.models import Customer
from gridcrm.jobs.services import job_execute
from gridcrm.lake.models import LakeImport
from gridcrm.users.models import User
from tests.lake.facts import A

pytestmark = pytest.mark.django_db

CSV = (
    b"account_no,meter_no,ts,kwh\n"
    b"0100000001,M1,2024-03-01 00:00,0.5\n"
    b"0999999999,M1,2024-03-01 00:00,0.5\n"
)


@pytest.fixture
def lake_officer(archivist: User) -> User:
    """An archive officer granted the lake's permissions."""
    for codename in ("view_lake", "import_facts"):
        archivist.user_permissions.add(Permission.objects.get(codename=codename))
    return User.objects.get(pk=archivist.pk)


def upload(client: Client, table: str = "readings", content: bytes = CSV) -> LakeImport:
    response = client.post(
        reverse("lake:import_upload"),
        {"table": table, "file": SimpleUploadedFile("meter.csv", content, "text/csv")},
    )
    assert response.status_code == 302
    record = LakeImport.objects.latest("pk")
    assert record.job is not None
    job_execute(job_id=record.job.pk)
    record.refresh_from_db()
    return record


def test_the_lake_page_lists_tables_for_those_who_may_see_it(
    client: Client, lake: Path, lake_officer: User
) -> None:
    client.force_login(lake_officer)

    response = client.get(reverse("lake:overview"))

    assert response.status_code == 200
    assert b'data-testid="rows-readings"' in response.content


def test_the_lake_page_is_forbidden_to_a_collector(
    client: Client, lake: Path, collector_a: User
) -> None:
    client.force_login(collector_a)

    assert client.get(reverse("lake:overview")).status_code == 403
    response = client.post(
        reverse("lake:import_upload"),
        {"table": "readings", "file": SimpleUploadedFile("m.csv", CSV, "text/csv")},
    )
    assert response.status_code == 403
    assert not LakeImport.objects.exists()


def test_an_upload_runs_as_a_job_and_offers_the_rejects(
    client: Client, lake: Path, lake_officer: User, customer_a: Customer
) -> None:
    client.force_login(lake_officer)

    record = upload(client)

    assert (record.status, record.accepted, record.rejected) == ("imported", 1, 1)
    page = client.get(reverse("lake:import_detail", args=[record.pk]))
    assert b'data-testid="download-rejects"' in page.content
    rejects = client.get(reverse("lake:import_rejects", args=[record.pk]))
    # The reason in the language the import ran in (the site's, 简体中文): "unknown customer".
    assert "未知客户".encode() in b"".join(rejects.streaming_content)  # type: ignore[attr-defined]


def test_another_users_import_and_rejects_are_not_found(
    client: Client, lake: Path, lake_officer: User, customer_a: Customer, collector_a: User
) -> None:
    client.force_login(lake_officer)
    record = upload(client)
    client.force_login(collector_a)

    assert client.get(reverse("lake:import_detail", args=[record.pk])).status_code == 404
    assert client.get(reverse("lake:import_rejects", args=[record.pk])).status_code == 404


def test_a_failed_upload_says_why(
    client: Client, lake: Path, lake_officer: User, customer_a: Customer
) -> None:
    client.force_login(lake_officer)

    record = upload(client, content=b"a,b\n1,2\n")

    assert record.status == "failed"
    page = client.get(reverse("lake:import_detail", args=[record.pk]))
    assert "account_no, meter_no, ts, kwh, kw, power_factor" in page.content.decode()


def test_a_collector_sees_the_load_curve_of_a_customer_in_the_region(
    client: Client, small_lake: Path, collector_a: User, customer_a: Customer
) -> None:
    assert customer_a.account_no == A
    client.force_login(collector_a)

    response = client.get(reverse("lake:customer_load", args=[A]))

    assert response.status_code == 200
    assert b'id="load-curve-data"' in response.content
    api = client.get(f"/api/lake/customers/{A}/load?days=2").json()
    assert len(api["kw"]) == 2 * 96
    assert max(api["kw"]) == pytest.approx(12.0)
    assert len(api["typical_kw"]) == 96


def test_a_collector_of_another_region_gets_404_for_the_load_curve(
    client: Client, small_lake: Path, collector_b: User, customer_a: Customer
) -> None:
    client.force_login(collector_b)

    assert client.get(reverse("lake:customer_load", args=[A])).status_code == 404
    assert client.get(f"/api/lake/customers/{A}/load").status_code == 404
    assert client.get(f"/api/lake/customers/{A}/features").status_code == 404


def test_a_customer_without_readings_gets_a_message(
    client: Client, lake: Path, agent: User, customer_b: Customer
) -> None:
    client.force_login(agent)

    response = client.get(reverse("lake:customer_load", args=[customer_b.account_no]))

    assert b'data-testid="no-readings"' in response.content


def test_the_api_lists_tables_only_for_those_who_may_see_the_lake(
    client: Client, small_lake: Path, lake_officer: User, agent: User
) -> None:
    client.force_login(agent)
    refused = client.get("/api/lake/tables")
    assert (refused.status_code, refused.json()["code"]) == (403, "lake.may_not_view")

    client.force_login(lake_officer)
    tables = {t["name"]: t for t in client.get("/api/lake/tables").json()}

    assert tables["readings"]["rows"] == 4 * 96
    assert [p["month"] for p in tables["readings"]["partitions"]] == ["2024-01", "2024-02"]


def test_the_api_refuses_imports_with_their_codes(
    client: Client, lake: Path, lake_officer: User, agent: User
) -> None:
    client.force_login(agent)
    refused = client.post(
        "/api/lake/imports",
        {"table": "readings", "file": SimpleUploadedFile("m.csv", CSV, "text/csv")},
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "lake.may_not_import")

    client.force_login(lake_officer)
    unknown = client.post(
        "/api/lake/imports",
        {"table": "meters", "file": SimpleUploadedFile("m.csv", CSV, "text/csv")},
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "lake.unknown_table")
    assert not LakeImport.objects.exists()
