"""Every staff role opens the completeness page and its API, each with its own scope's
figures; a customer login reaches neither (docs/portal.md)."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user

STAFF_ROLES = [role for role in Role if role != Role.CUSTOMER]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_gets_the_completeness_page_and_api(
    role: Role, regions: Regions, customer_a: Customer, customer_b: Customer
) -> None:
    client = Client()
    client.force_login(make_user("someone", role, regions.station_a1))

    page = client.get("/customers/completeness/")
    api = client.get("/api/fields/completeness")

    assert page.status_code == 200
    assert api.status_code == 200
    assert set(api.json()) == {"by_tier", "by_category", "by_station", "by_field"}


def test_a_customer_login_reaches_neither(regions: Regions, customer_a: Customer) -> None:
    client = Client()
    client.force_login(make_user("someone", Role.CUSTOMER))

    assert client.get("/customers/completeness/").status_code == 404
    assert client.get("/api/fields/completeness").status_code == 401
