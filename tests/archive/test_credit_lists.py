"""External public credit lists flag customers in their behaviour information."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gridcrm.archive.credit_lists import credit_list_import
from gridcrm.archive.errors import CreditListUnreadable
from gridcrm.archive.models import Customer, FieldChange, PublicCreditEntry
from gridcrm.users.models import User
from tests.conftest import uscc


def test_a_listed_customer_is_flagged_and_others_are_cleared(
    customer_a: Customer, customer_b: Customer
) -> None:
    text = (
        "certificate_no,list_name,listed_on\n"
        f"{customer_b.certificate_no},严重失信主体名单,2026-03-01\n"
        f"{uscc(999)},严重失信主体名单,2026-03-01\n"
        "not-a-number,严重失信主体名单,\n"
    )
    report = credit_list_import(text=text, source="信用中国(山西)", acting_user=None)
    assert (report.entries, report.matched_customers) == (2, 1)
    assert [row for row, _reason in report.rejected] == [4]
    customer_a.refresh_from_db()
    customer_b.refresh_from_db()
    assert (customer_a.credit_blacklisted, customer_b.credit_blacklisted) == (False, True)
    assert FieldChange.objects.filter(customer=customer_b, field="credit_blacklisted").exists()
    # The next file of the same source replaces the list: customer B is cleared.
    credit_list_import(text="certificate_no,list_name\n", source="信用中国(山西)", acting_user=None)
    customer_b.refresh_from_db()
    assert customer_b.credit_blacklisted is False
    assert not PublicCreditEntry.objects.exists()


def test_a_file_without_the_columns_writes_nothing(customer_b: Customer) -> None:
    credit_list_import(
        text=f"certificate_no,list_name\n{customer_b.certificate_no},名单\n",
        source="s",
        acting_user=None,
    )
    with pytest.raises(CreditListUnreadable) as caught:
        credit_list_import(text="number,name\n1,2\n", source="s", acting_user=None)
    assert caught.value.code == "archive.credit_list_columns_missing"
    customer_b.refresh_from_db()
    assert customer_b.credit_blacklisted is True
    assert PublicCreditEntry.objects.count() == 1


def test_the_command_and_the_page(
    archivist: User, customer_b: Customer, client: Client, tmp_path: object
) -> None:
    path = tmp_path / "list.csv"  # type: ignore[operator]
    path.write_text(f"certificate_no,list_name\n{customer_b.certificate_no},名单\n")
    call_command("import_credit_list", str(path), "--source", "cli", verbosity=0)
    assert PublicCreditEntry.objects.filter(source="cli").count() == 1
    with pytest.raises(CommandError):
        call_command("import_credit_list", str(path) + ".missing", "--source", "cli")
    client.force_login(archivist)
    assert client.get("/customers/credit-lists/").status_code == 200


def test_the_page_refuses_a_file_that_is_not_utf8_and_writes_nothing(
    archivist: User, customer_b: Customer, client: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = f"certificate_no,list_name\n{customer_b.certificate_no},名单\n".encode("gb18030")
    client.force_login(archivist)
    response = client.post(
        "/customers/credit-lists/",
        {"file": SimpleUploadedFile("list.csv", data), "source": "s"},
    )
    assert response.status_code == 200
    assert not PublicCreditEntry.objects.exists()


def test_roles_without_import_permission_cannot_load_lists(agent: User, client: Client) -> None:
    client.force_login(agent)
    assert client.get("/customers/credit-lists/").status_code == 403
