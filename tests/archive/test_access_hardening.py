"""Issue 15 (access hardening): a derived field cannot be set through the API, and an
extension field's label cannot smuggle a formula into an export's header."""

from __future__ import annotations

import csv
from pathlib import Path

from django.test import Client

from gridcrm.archive.exports import EXPORT_CUSTOMERS, export_customers
from gridcrm.archive.models import Customer, CustomField
from gridcrm.jobs.models import Job
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user


def _new_customer_fields(customer: Customer) -> dict[str, str]:
    return {
        "account_no": "0100000077",
        "name": "张三",
        "certificate_type": "resident_id",
        "certificate_no": customer.certificate_no,
        "tariff_category": "residential",
        "tariff_structure": "single_part",
        "voltage_level": "220V",
        "contracted_kva": "8",
        "region": customer.region.code,
        "address": "山西省阳泉市城区德胜街77号",
        "phone": "13834567890",
        "billing_method": "energy",
        "tou_applied": "0",
    }


def test_the_api_refuses_to_create_a_customer_already_on_the_credit_blacklist(
    archivist: User, customer_a: Customer, client: Client
) -> None:
    fields = {**_new_customer_fields(customer_a), "credit_blacklisted": True}
    client.force_login(archivist)
    response = client.post("/api/customers", {"fields": fields}, "application/json")
    assert (response.status_code, response.json()["code"]) == (422, "archive.field_not_settable")
    assert list(response.json()["fields"]) == ["credit_blacklisted"]
    assert not Customer.objects.filter(account_no="0100000077").exists()


def _export_header(user: User, file_format: str) -> list[str]:
    job = Job.objects.create(
        kind=EXPORT_CUSTOMERS, created_by=user, params={"language": "en", "format": file_format}
    )
    path = export_customers(job)
    if file_format == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).worksheets[0]
        return [str(c) for c in next(sheet.iter_rows(values_only=True))]
    with Path(path).open(encoding="utf-8-sig") as handle:
        return next(csv.reader(handle))


def test_an_extension_field_label_is_exported_as_text_not_a_formula(
    regions: Regions, customer_a: Customer
) -> None:
    CustomField.objects.create(
        code="village",
        label_zh="=HYPERLINK(1)",
        label_en='=HYPERLINK("http://evil","x")',
        category="basic",
        tier=3,
        sensitivity="internal",
        kind="text",
    )
    planner = make_user("planner", Role.DEMAND_PLANNER)
    for file_format in ("csv", "xlsx"):
        header = _export_header(planner, file_format)
        assert header[-1] == """'=HYPERLINK("http://evil","x")"""
        assert not any(cell.startswith("=") for cell in header)
