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
        response = client.get("/customers/", {"q": q}, follow=True)
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
    html = client.post("/customers/", {"q": "王"}, follow=True).content.decode()
    assert 'data-testid="result-count"' in html
    shown = html.split('data-testid="result-count"')[1].split(">", 1)[1].split("<")[0]
    assert "8" not in shown


def test_a_broad_name_search_lists_the_first_matches_found_in_account_order(
    regions: Regions,
    agent: User,
    collector_a: User,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("gridcrm.web.paging.COUNT_CAP", 5)
    # Created out of account order, in two districts.
    for i in (7, 2, 9, 4, 1, 8, 3):
        make_customer(regions.station_a1, f"01000003{i:02d}", f"赵{i}")
    make_customer(regions.station_b1, "0300000399", "赵外")
    client.force_login(agent)
    found = client.get("/api/customers", {"q": "赵"}).json()
    assert found["count"] == 6  # "more than 5": the first six found are listed
    listed = [c["account_no"] for c in found["items"]]
    assert len(listed) == 6
    assert listed == sorted(listed)
    assert {c["name"][0] for c in found["items"]} == {"赵"}
    # Within the cap: every match, in account order, and the scope still holds.
    client.force_login(collector_a)
    mine = [c["account_no"] for c in client.get("/api/customers", {"q": "赵"}).json()["items"]]
    assert mine == sorted(mine)
    assert "0300000399" not in mine
    html = client.post("/customers/", {"q": "赵"}, follow=True).content.decode()
    assert [a for a in sorted(mine) if f">{a}<" in html] == sorted(mine)[:6]


def test_an_account_number_prefix_finds_exactly_that_prefix(
    regions: Regions, agent: User, client: Client
) -> None:
    for account in ("0199999999", "0200000000", "0200000001", "0209999999", "0210000000"):
        make_customer(regions.station_a1, account, "钱" + account[-2:])
    make_customer(regions.station_a1, "9999999999", "孙九")
    client.force_login(agent)
    assert _accounts(client, "020") == ["0200000000", "0200000001", "0209999999"]
    assert _accounts(client, "0209") == ["0209999999"]  # four digits: phone or prefix
    assert _accounts(client, "99") == ["9999999999"]
    assert _accounts(client, "0199999999") == ["0199999999"]
