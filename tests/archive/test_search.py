from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer


def _accounts(client: Client, q: str) -> list[str]:
    return [c["account_no"] for c in client.get("/api/customers", {"q": q}).json()["items"]]


def test_it_finds_customers_by_account_number_prefix_and_part_of_a_chinese_name(
    agent: User, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    client.force_login(agent)
    assert _accounts(client, "0100000001") == ["0100000001"]
    assert _accounts(client, "02") == ["0200000001"]
    assert _accounts(client, "建国") == ["0100000001"]
    assert _accounts(client, "恒达钢铁") == ["0200000001"]
    assert _accounts(client, "不存在的名字") == []


def test_search_never_widens_the_callers_scope(
    collector_a: User, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    client.force_login(collector_a)
    assert _accounts(client, "恒达") == []
    assert _accounts(client, "") == ["0100000001"]


def test_hostile_search_strings_are_harmless(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    for q in ["' OR 1=1 --", "<script>alert(1)</script>", "%", "_", "\\", "x" * 5000]:
        response = client.get("/customers/", {"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
        assert _accounts(client, q) == []


def test_the_list_pages_through_many_customers(
    regions: Regions, agent: User, client: Client
) -> None:
    for i in range(60):
        make_customer(regions.station_a1, f"01000001{i:02d}", f"住户{i}")
    client.force_login(agent)
    first = client.get("/api/customers").json()
    assert first["count"] == 60
    assert len(first["items"]) == 50
    second = client.get("/api/customers", {"page": 2}).json()
    assert len(second["items"]) == 10
    page = client.get("/customers/", {"page": 3}).content.decode()
    assert "01000001" in page


def test_a_broad_search_says_more_than_the_cap_instead_of_counting_all(
    regions: Regions, agent: User, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gridcrm.web.paging.COUNT_CAP", 5)
    for i in range(8):
        make_customer(regions.station_a1, f"01000002{i:02d}", f"王{i}")
    client.force_login(agent)
    assert client.get("/api/customers", {"q": "王"}).json()["count"] == 6
    html = client.get("/customers/", {"q": "王"}).content.decode()
    assert 'data-testid="result-count"' in html
    assert "8" not in html.split('data-testid="result-count">')[1].split("<")[0]
