"""A customer export runs as a task in the database worker, with progress, and masks."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command
from django.test import Client

from gridcrm.archive.exports import export_specs, neutralise_formula
from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.core.files import stored_path
from gridcrm.jobs.models import Job, JobStatus
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def _column(name: str) -> int:
    return [s.name for s in export_specs()].index(name)


def _rows(job: Job) -> list[list[str]]:
    path = stored_path(job.result_file)
    assert path is not None
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


@pytest.mark.django_db(transaction=True)
def test_a_collector_exports_their_region_masked_through_the_worker(
    collector_a: User, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    client.force_login(collector_a)
    response = client.post("/customers/export/", {"q": ""})
    job = Job.objects.get()
    assert response.status_code == 302
    assert job.status == JobStatus.QUEUED
    _run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.done, job.total, job.percent) == (1, 1, 100)
    rows = _rows(job)
    assert [r[0] for r in rows[1:]] == [customer_a.account_no]
    assert rows[1][_column("phone")] == "138****7890"
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert not DisclosureEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_unmasked_export_is_logged(
    collector_a: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(collector_a)
    client.post("/customers/export/", {"q": "", "unmasked": "on"})
    _run_worker()
    job = Job.objects.get()
    assert _rows(job)[1][_column("phone")] == "13834567890"
    event = DisclosureEvent.objects.get()
    assert (event.acting_user, event.kind) == (collector_a, "export")


@pytest.mark.django_db(transaction=True)
def test_exported_cells_cannot_run_as_spreadsheet_formulas(
    regions: Regions, agent: User, client: Client
) -> None:
    planner = make_user("planner", Role.DEMAND_PLANNER)
    make_customer(regions.station_a1, "0100000002", '=HYPERLINK("http://evil","x")')
    client.force_login(planner)
    client.post("/customers/export/", {"q": ""})
    _run_worker()
    assert _rows(Job.objects.get())[1][_column("name")].startswith("'=")


def test_it_neutralises_every_formula_prefix() -> None:
    for cell in ["=1+1", "+1", "-1", "@SUM(A1)"]:
        assert neutralise_formula(cell) == "'" + cell
    assert neutralise_formula("王建国") == "王建国"


def test_roles_without_export_permission_cannot_start_one(agent: User, client: Client) -> None:
    client.force_login(agent)
    assert client.post("/customers/export/", {"q": ""}).status_code == 403
    assert not Job.objects.exists()


def test_nobody_watches_or_downloads_another_users_job(
    collector_a: User, collector_b: User, client: Client
) -> None:
    job = Job.objects.create(kind="export_customers", created_by=collector_a)
    client.force_login(collector_b)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client.get(f"/api/jobs/{job.pk}").status_code == 404
    client.force_login(collector_a)
    assert client.get(f"/api/jobs/{job.pk}").json()["status"] == "queued"
