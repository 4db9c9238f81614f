"""Two-character searches (a given name, a street) find their customers, and on
PostgreSQL they can use the GIN index of the stored bigrams (migration 0007)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from gridcrm.archive.bigrams import array_literals, pg_array_literal, search_bigrams
from gridcrm.archive.imports import customers_import
from gridcrm.archive.models import Customer
from gridcrm.archive.selectors import customer_search
from gridcrm.archive.services import change_request_approve, change_request_submit
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.archive.test_import import household, write_csv
from tests.conftest import Regions, make_customer, make_user


def test_two_characters_find_names_and_addresses(
    agent: User, regions: Regions, customer_a: Customer
) -> None:
    other = make_customer(regions.station_a1, "0100000002", "李秀英", address="阳泉市桃北西街2号")
    assert list(customer_search(user=agent, query="建国")) == [customer_a]
    assert list(customer_search(user=agent, query="桃北")) == [other]
    assert list(customer_search(user=agent, query="秀")) == [other]
    assert not customer_search(user=agent, query="国王").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bigram indexes are PostgreSQL's")
def test_two_character_searches_can_use_the_bigram_index(agent: User, customer_a: Customer) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = customer_search(user=agent, query="建国").explain()
    assert "bigram" in plan


def test_the_keys_are_the_distinct_bigrams_of_name_and_address() -> None:
    assert search_bigrams("王建国", "桃北街") == sorted(["王建", "建国", "桃北", "北街"])
    assert search_bigrams("王王王", "") == ["王王"]
    assert search_bigrams("王", "") == []


def test_a_bulk_import_makes_the_same_literals_as_one_customer_at_a_time() -> None:
    # Quotes and backslashes (escaped), braces, emoji beyond the BMP, repeated pairs,
    # texts of one character and empty ones, in every combination and row position.
    texts = ["", "王", 'a"b', "c\\d\\", "{x}", "😀😁王", "张三张三", '""', "阳泉市城区桃北西街"]
    names = [n for n in texts for _ in texts]
    addresses = texts * len(texts)
    expected = [
        pg_array_literal(search_bigrams(n, a)) for n, a in zip(names, addresses, strict=True)
    ]
    assert array_literals(names, addresses) == expected
    assert array_literals(["王", ""], ["", ""]) == ["{}", "{}"]
    assert array_literals(["张三"], ["路"]) == ['{"张三"}']


def test_every_write_of_a_name_or_an_address_keeps_the_keys(
    agent: User, archivist: User, customer_a: Customer, tmp_path: Path
) -> None:
    def stored(account_no: str) -> Customer:
        customer = Customer.objects.get(account_no=account_no)
        assert customer.search_bigrams == search_bigrams(customer.name, customer.address)
        return customer

    stored(customer_a.account_no)  # created through the service
    change = change_request_submit(
        customer=customer_a,
        field="address",
        new_value="山西省阳泉市城区桃北西街8号",
        reason="门牌整改",
        acting_user=agent,
    )
    change_request_approve(request=change, acting_user=archivist)
    assert "桃北" in stored(customer_a.account_no).search_bigrams
    assert list(customer_search(user=agent, query="桃北")) == [customer_a]
    assert not customer_search(user=agent, query="德胜").exists()

    officer = make_user("officer", Role.ARCHIVE_OFFICER)
    path = write_csv(tmp_path / "new.csv", [household("0100000701", name="赵秀兰")])
    assert customers_import(path=path, acting_user=officer).created == 1
    assert "秀兰" in stored("0100000701").search_bigrams
    assert [c.account_no for c in customer_search(user=agent, query="秀兰")] == ["0100000701"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_the_keys_of_existing_customers(
    regions: Regions, customer_a: Customer
) -> None:
    other = make_customer(regions.station_a1, "0100000002", "李秀英", address="桃北西街2号")
    Customer.objects.update(search_bigrams=[])
    migration = importlib.import_module("gridcrm.archive.migrations.0007_search_bigrams_column")
    migration.backfill(apps, SimpleNamespace(connection=connection))
    for customer in (customer_a, other):
        customer.refresh_from_db()
        assert customer.search_bigrams == search_bigrams(customer.name, customer.address)
        assert customer.search_bigrams


@pytest.mark.skipif(connection.vendor != "postgresql", reason="array literals are PostgreSQL's")
def test_an_array_literal_keeps_quotes_backslashes_and_braces(db: None) -> None:
    values = ['a"', "\\b", "{c", "d,", " e", "NULL", "王建"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [pg_array_literal(values)])
        assert cursor.fetchone()[0] == values
        cursor.execute("SELECT %s::text[]", [pg_array_literal([])])
        assert cursor.fetchone()[0] == []
