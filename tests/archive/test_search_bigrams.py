"""Two-character searches (a given name, a street) find their customers, and on
PostgreSQL they can use the GIN index of the stored bigrams (migration 0007)."""

from __future__ import annotations

import pytest
from django.db import connection

from gridcrm.archive.models import Customer
from gridcrm.archive.selectors import customer_search
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer


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
