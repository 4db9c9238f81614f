"""Phones and certificate numbers are sealed in the database, whichever way they arrive,
and stay searchable through their keyed hashes (docs/security.md, "At rest")."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from gridcrm.archive.credit_lists import credit_list_import
from gridcrm.archive.imports import customers_import
from gridcrm.archive.models import ChangeRequest, Customer, FieldChange, PublicCreditEntry
from gridcrm.archive.selectors import customer_search
from gridcrm.archive.services import change_request_approve, change_request_submit
from gridcrm.core.sealing import PREFIX
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.archive.test_import import HEADER, household, write_csv
from tests.conftest import Regions, make_customer, make_user, resident_id, uscc


def _raw(sql: str) -> list[str]:
    """Every non-blank value the query reads, straight from the database (no field)."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [value for row in cursor.fetchall() for value in row if value]


def _customer_columns() -> list[str]:
    return _raw("SELECT phone, phone_alt, certificate_no FROM archive_customer")


def _assert_sealed(values: list[str], *plain: str) -> None:
    assert values
    assert all(value.startswith(PREFIX) for value in values), values
    for text in plain:
        assert not any(text in value for value in values), text


def test_a_created_customer_keeps_no_plain_phone_or_certificate_number(
    customer_b: Customer,
) -> None:
    _assert_sealed(_customer_columns(), "0353-6123456", "03536123456", customer_b.certificate_no)
    stored = Customer.objects.get(pk=customer_b.pk)
    assert (stored.phone, stored.certificate_no) == ("0353-6123456", uscc(1))


def test_an_import_keeps_no_plain_phone_or_certificate_number(
    regions: Regions, tmp_path: Path
) -> None:
    officer = make_user("officer", Role.ARCHIVE_OFFICER)
    rows = [household("0100000101", phone="13912345678"), household("0100000102")]
    report = customers_import(path=write_csv(tmp_path / "new.csv", rows), acting_user=officer)
    assert report.created == 2
    _assert_sealed(_customer_columns(), "13912345678", resident_id(101), resident_id(102))
    customer = Customer.objects.get(account_no="0100000101")
    assert (customer.phone, customer.certificate_no) == ("13912345678", resident_id(101))
    # An import of changes: the second phone goes straight in, with its history row.
    changed = [household("0100000101", phone="13912345678", phone_alt="13700001111")]
    path = write_csv(tmp_path / "alt.csv", changed, header=[*HEADER, "phone_alt"])
    customers_import(path=path, acting_user=officer)
    assert Customer.objects.get(account_no="0100000101").phone_alt == "13700001111"
    _assert_sealed(_customer_columns(), "13700001111")
    history = _raw("SELECT old_value, new_value FROM archive_fieldchange WHERE field = 'phone_alt'")
    _assert_sealed(history, "13700001111")


def test_an_approved_phone_change_keeps_no_plain_phone_anywhere(
    customer_a: Customer, agent: User, archivist: User
) -> None:
    request = change_request_submit(
        customer=customer_a,
        field="phone",
        new_value="13600001234",
        reason="客户来电更正",
        acting_user=agent,
    )
    _assert_sealed(_raw("SELECT old_value, new_value FROM archive_changerequest"), "13600001234")
    change_request_approve(request=request, acting_user=archivist)
    assert Customer.objects.get(pk=customer_a.pk).phone == "13600001234"
    _assert_sealed(_customer_columns(), "13600001234", "13834567890")
    _assert_sealed(
        _raw("SELECT old_value, new_value FROM archive_fieldchange WHERE field = 'phone'"),
        "13600001234",
        "13834567890",
    )
    # Read through the models, the values are whole again.
    change = FieldChange.objects.get(customer=customer_a, field="phone")
    assert (change.old_value, change.new_value) == ("13834567890", "13600001234")
    assert ChangeRequest.objects.get(pk=request.pk).new_value == "13600001234"
    # Submitting the same change again is still the one request.
    again = change_request_submit(
        customer=customer_a,
        field="certificate_no",
        new_value=resident_id(7),
        reason="证件更换",
        acting_user=agent,
    )
    assert again == change_request_submit(
        customer=customer_a,
        field="certificate_no",
        new_value=resident_id(7),
        reason="证件更换",
        acting_user=agent,
    )


def test_history_of_other_fields_stays_plain(customer_a: Customer, archivist: User) -> None:
    values = _raw("SELECT new_value FROM archive_fieldchange WHERE field = 'account_no'")
    assert values == [customer_a.account_no]


def test_a_credit_list_keeps_no_plain_certificate_number_and_still_matches(
    customer_a: Customer, customer_b: Customer
) -> None:
    text = f"certificate_no,list_name\n{customer_b.certificate_no.lower()},严重失信主体名单\n"
    report = credit_list_import(text=text, source="信用中国(山西)", acting_user=None)
    assert report.matched_customers == 1
    _assert_sealed(_raw("SELECT certificate_no FROM archive_publiccreditentry"), uscc(1))
    assert PublicCreditEntry.objects.get().certificate_no == uscc(1)
    # The same number on the same list from another source is still one entry: the
    # uniqueness holds on the hash, as it held on the number.
    credit_list_import(text=text, source="another source", acting_user=None)
    assert PublicCreditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("13834567890", ["0100000001"]),  # a mobile, the main phone
        ("13700002222", ["0100000002"]),  # a mobile, the second phone
        ("7890", ["0100000001"]),  # the last four digits
        ("0353-6123456", ["0200000001"]),  # a landline as stored
        ("03536123456", ["0200000001"]),  # and without its dash
        ("3456", ["0200000001"]),
    ],
)
def test_phones_are_found_whole_and_by_their_last_four_digits(
    regions: Regions,
    customer_a: Customer,
    customer_b: Customer,
    agent: User,
    query: str,
    found: list[str],
) -> None:
    make_customer(
        regions.station_a1, "0100000002", "李四", phone="13500000000", phone_alt="13700002222"
    )
    accounts = [c.account_no for c in customer_search(user=agent, query=query)]
    assert accounts == found


def test_a_sealed_column_refuses_a_lookup_by_value(customer_a: Customer) -> None:
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Customer.objects.filter(phone="13834567890"))
    assert Customer.objects.exclude(phone="").count() == 1


def test_the_api_and_the_page_still_search_by_phone(
    customer_a: Customer, agent: User, client: Client
) -> None:
    client.force_login(agent)
    items = client.get("/api/customers", {"q": "13834567890"}).json()["items"]
    assert [c["account_no"] for c in items] == ["0100000001"]
    page = client.post("/customers/", {"q": "7890"}, follow=True).content.decode()
    assert "0100000001" in page
