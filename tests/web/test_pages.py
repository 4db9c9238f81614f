from __future__ import annotations

import json
import re

from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user


def _chart_series(html: str) -> list[dict[str, object]]:
    match = re.search(r'data-series="([^"]*)"', html)
    assert match, "the overview has no chart"
    return json.loads(match.group(1).replace("&quot;", '"'))  # type: ignore[no-any-return]


def test_the_managers_home_charts_the_customers_by_station_below_the_workbench(
    regions: Regions, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    client.force_login(make_user("manager", Role.MARKETING_MANAGER))
    html = client.get("/").content.decode()
    series = {s["name"]: s for s in _chart_series(html)}
    assert series["居民"]["x"] == ["北大街供电所", "秀水供电所"]
    assert series["居民"]["y"] == [1, 0]
    assert series["工业"]["y"] == [0, 1]


def test_a_collectors_home_counts_their_station_without_the_chart(
    collector_a: User, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    client.force_login(collector_a)
    html = client.get("/").content.decode()
    assert 'data-testid="count-customers" data-count="1"' in html
    assert "data-series" not in html
    assert "秀水供电所" not in html


def test_navigation_shows_administration_only_to_staff(agent: User, client: Client) -> None:
    client.force_login(agent)
    assert "/admin/" not in client.get("/").content.decode()
    admin = User.objects.create_superuser("root", password="x" * 12)
    client.force_login(admin)
    assert "/admin/" in client.get("/").content.decode()


def test_login_page_works_and_a_wrong_password_is_refused(agent: User, client: Client) -> None:
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "agent", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post(
        "/login/", {"username": "agent", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302


def test_static_assets_are_served_from_installed_packages(agent: User, client: Client) -> None:
    client.force_login(agent)
    for path in [
        "/static/gridcrm/app.css",
        "/static/django_htmx/htmx-2.min.js",
        "/static/plotly/plotly.min.js",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_list_page_answers_htmx_with_just_the_rows(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    html = client.get("/customers/", {"q": "建国"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html
    assert customer_a.account_no in html
