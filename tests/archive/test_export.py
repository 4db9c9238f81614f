"""Customer export: columns from the registry, masked by role, formulas neutralised, CSV
and XLSX, and an export that can be imported back without changing anything."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from gridcrm.archive import registry
from gridcrm.archive.exports import EXPORT_CUSTOMERS, export_customers, export_specs
from gridcrm.archive.imports import customers_import
from gridcrm.archive.models import ChangeRequest, Customer, CustomField, DisclosureEvent
from gridcrm.jobs.models import Job
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user


def run_export(user: User, **params: Any) -> tuple[Job, str]:
    job = Job.objects.create(
        kind=EXPORT_CUSTOMERS, created_by=user, params={"language": "en", **params}
    )
    return job, export_customers(job)


def read_csv(path: str) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def column(name: str) -> str:
    from django.utils import translation

    with translation.override("en"):
        return str(registry.spec(name).label)


@pytest.fixture
def admin(regions: Regions) -> User:
    """Exports, sees contact details and imports."""
    return make_user("admin", Role.ADMINISTRATOR)


@pytest.fixture
def planner(regions: Regions) -> User:
    """Exports, but may not see contact details."""
    return make_user("planner", Role.DEMAND_PLANNER)


def test_the_columns_are_the_registry_with_extension_fields(
    planner: User, customer_a: Customer
) -> None:
    CustomField.objects.create(
        code="village",
        label_zh="村",
        label_en="village",
        category="basic",
        tier=3,
        sensitivity="internal",
        kind="text",
    )
    _job, path = run_export(planner)
    with Path(path).open(encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert header == [column(s.name) if not s.custom else "village" for s in export_specs()]
    assert header[-1] == "village"
    assert len(header) == len(registry.all_specs())


def test_personal_identifiers_are_masked_for_a_role_without_contact_rights(
    planner: User, customer_a: Customer
) -> None:
    _job, path = run_export(planner, unmasked=True)  # asked, but not allowed
    row = read_csv(path)[0]
    assert row[column("phone")] == "138****7890"
    certificate = row[column("certificate_no")]
    assert certificate.startswith(customer_a.certificate_no[:6])
    assert "****" in certificate
    assert row[column("region")] == "YQ0101"
    assert row[column("tariff_category")] == "Residential"  # the label, in the job's language
    assert not DisclosureEvent.objects.exists()


def test_an_unmasked_export_is_logged_with_the_fields_disclosed(
    admin: User, customer_a: Customer
) -> None:
    job, path = run_export(admin, unmasked=True)
    row = read_csv(path)[0]
    assert row[column("phone")] == customer_a.phone
    assert row[column("certificate_no")] == customer_a.certificate_no
    event = DisclosureEvent.objects.get()
    assert (event.acting_user, event.kind) == (admin, "export")
    assert {"phone", "certificate_no", "name"} <= set(event.fields.split(","))
    assert f"job {job.pk}" in event.detail


def test_an_xlsx_export_neutralises_formulas_and_keeps_numbers(
    planner: User, regions: Regions
) -> None:
    from openpyxl import load_workbook

    make_customer(regions.station_a1, "0100000002", '=HYPERLINK("http://evil","x")')
    _job, path = run_export(planner, format="xlsx")
    assert path.endswith(".xlsx")
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    name = rows[1][header.index(column("name"))]
    assert isinstance(name, str)
    assert name.startswith("'=")
    assert rows[1][header.index(column("contracted_kva"))] == 8
    assert rows[1][header.index(column("account_no"))] == "0100000002"


def test_an_unmasked_export_imports_back_without_changing_anything(
    admin: User, customer_a: Customer, customer_b: Customer, tmp_path: Path
) -> None:
    _job, path = run_export(admin, unmasked=True)
    before = list(Customer.objects.order_by("pk").values())
    report = customers_import(path=Path(path), acting_user=admin)
    assert (report.rows, report.unchanged, report.rejected, report.change_requests) == (2, 2, 0, 0)
    assert column("segment") in report.ignored_columns
    assert list(Customer.objects.order_by("pk").values()) == before
    assert not ChangeRequest.objects.exists()


def test_the_export_follows_the_users_scope(
    regions: Regions, customer_a: Customer, customer_b: Customer
) -> None:
    collector = make_user("collector", Role.REGIONAL_COLLECTOR, regions.station_a1)
    _job, path = run_export(collector)
    assert [r[column("account_no")] for r in read_csv(path)] == [customer_a.account_no]
