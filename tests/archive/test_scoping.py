"""Who sees which customer, in the web UI and the API, for every role.

For each role the standard cast: the *owner* (whose scope holds the customer)
sees it; a *colleague* (same role, other scope) gets 404; an *outsider* (no
role) gets 404 too. 404, not 403: out of scope must not reveal that an account exists.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.archive.selectors import customers_visible_to
from gridcrm.users.models import User
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role
from gridcrm.users.selectors import user_roles
from tests.conftest import Regions, make_customer, make_user


def _is_customer(user: User) -> bool:
    # Customer logins read their accounts on the portal only (docs/portal.md).
    return user_roles(user=user) == frozenset({Role.CUSTOMER})


def _status(client: Client, user: User, customer: Customer) -> tuple[int, int]:
    client.force_login(user)
    if _is_customer(user):
        web = client.get(f"/portal/a/{customer.account_no}/").status_code
        api = client.get(f"/api/portal/accounts/{customer.account_no}").status_code
        return web, api
    web = client.get(customer.get_absolute_url()).status_code
    api = client.get(f"/api/customers/{customer.account_no}").status_code
    return web, api


def _in_list(client: Client, user: User, customer: Customer) -> bool:
    client.force_login(user)
    if _is_customer(user):
        rows = client.get("/api/portal/accounts").json()
        return customer.account_no in {item["account_no"] for item in rows}
    body = client.get("/api/customers").json()
    return customer.account_no in {item["account_no"] for item in body["items"]}


ScopeSetup = Callable[[Regions, Customer], tuple[User, User]]


def _collector(regions: Regions, customer: Customer) -> tuple[User, User]:
    # The owner works at the district level: a district collector sees its stations.
    owner = make_user("owner", Role.REGIONAL_COLLECTOR, regions.district_a)
    colleague = make_user("colleague", Role.REGIONAL_COLLECTOR, regions.station_b1)
    return owner, colleague


def _key_account_manager(regions: Regions, customer: Customer) -> tuple[User, User]:
    owner = make_user("owner", Role.KEY_ACCOUNT_MANAGER)
    colleague = make_user("colleague", Role.KEY_ACCOUNT_MANAGER)
    Customer.objects.filter(pk=customer.pk).update(account_manager=owner)
    make_customer(regions.station_b1, "0200000099", "另一家企业", account_manager=colleague)
    return owner, colleague


def _business_specialist(regions: Regions, customer: Customer) -> tuple[User, User]:
    # A specialist sees key accounts; the colleague case is a customer with no manager.
    manager = make_user("kam", Role.KEY_ACCOUNT_MANAGER)
    Customer.objects.filter(pk=customer.pk).update(account_manager=manager)
    owner = make_user("owner", Role.BUSINESS_SPECIALIST)
    return owner, owner


def _inspector(regions: Regions, customer: Customer) -> tuple[User, User]:
    owner = make_user("owner", Role.INSPECTOR, regions.district_a)
    colleague = make_user("colleague", Role.INSPECTOR, regions.station_b1)
    return owner, colleague


def _customer(regions: Regions, customer: Customer) -> tuple[User, User]:
    owner = make_user("owner", Role.CUSTOMER)
    colleague = make_user("colleague", Role.CUSTOMER)
    Customer.objects.filter(pk=customer.pk).update(portal_user=owner)
    make_customer(regions.station_b1, "0200000098", "李秀英", portal_user=colleague)
    return owner, colleague


SCOPED: dict[Role, ScopeSetup] = {
    Role.REGIONAL_COLLECTOR: _collector,
    Role.INSPECTOR: _inspector,
    Role.KEY_ACCOUNT_MANAGER: _key_account_manager,
    Role.BUSINESS_SPECIALIST: _business_specialist,
    Role.CUSTOMER: _customer,
}


def test_every_role_is_covered_by_this_matrix() -> None:
    assert set(SCOPED) | set(COMPANY_WIDE_ROLES) == set(Role)


@pytest.mark.parametrize("role", list(SCOPED), ids=lambda r: r.value)
def test_a_scoped_role_sees_its_own_and_gets_404_for_others(
    role: Role, regions: Regions, customer_a: Customer, outsider: User, client: Client
) -> None:
    owner, colleague = SCOPED[role](regions, customer_a)
    customer_a.refresh_from_db()
    assert _status(client, owner, customer_a) == (200, 200)
    assert _in_list(client, owner, customer_a)
    assert _status(client, outsider, customer_a) == (404, 404)
    assert not _in_list(client, outsider, customer_a)
    if colleague != owner:
        assert _status(client, colleague, customer_a) == (404, 404)
        assert not _in_list(client, colleague, customer_a)


def test_a_specialist_does_not_see_customers_without_a_key_account_manager(
    regions: Regions, customer_a: Customer, client: Client
) -> None:
    specialist = make_user("specialist", Role.BUSINESS_SPECIALIST)
    assert _status(client, specialist, customer_a) == (404, 404)


@pytest.mark.parametrize("role", sorted(COMPANY_WIDE_ROLES), ids=lambda r: r.value)
def test_a_company_wide_role_sees_every_region(
    role: Role, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    user = make_user("wide", role)
    assert _status(client, user, customer_a) == (200, 200)
    assert _status(client, user, customer_b) == (200, 200)


def test_a_collector_gets_404_for_a_customer_of_another_region(
    collector_a: User, customer_a: Customer, customer_b: Customer, client: Client
) -> None:
    assert _status(client, collector_a, customer_b) == (404, 404)
    assert list(customers_visible_to(user=collector_a)) == [customer_a]


def test_a_collector_without_a_region_sees_nobody(
    regions: Regions, customer_a: Customer, client: Client
) -> None:
    lost = make_user("lost", Role.REGIONAL_COLLECTOR, None)
    assert _status(client, lost, customer_a) == (404, 404)


def test_a_deactivated_user_sees_nobody(agent: User, customer_a: Customer) -> None:
    agent.is_active = False
    agent.save()
    assert not customers_visible_to(user=agent).exists()


def test_anonymous_callers_are_sent_to_login_or_refused(
    customer_a: Customer, client: Client
) -> None:
    web = client.get(customer_a.get_absolute_url())
    assert web.status_code == 302
    assert "/login/" in web["Location"]
    assert client.get("/api/customers").status_code == 401


def test_a_backup_key_account_manager_sees_the_account_they_cover(
    regions: Regions, customer_b: Customer, client: Client
) -> None:
    from gridcrm.keyaccounts.models import KeyAccount

    manager = make_user("manager_kam", Role.KEY_ACCOUNT_MANAGER)
    backup = make_user("backup_kam", Role.KEY_ACCOUNT_MANAGER)
    other = make_user("other_kam", Role.KEY_ACCOUNT_MANAGER)
    Customer.objects.filter(pk=customer_b.pk).update(account_manager=manager)
    KeyAccount.objects.create(customer=customer_b, manager=manager, backup_manager=backup)
    assert _status(client, backup, customer_b) == (200, 200)
    assert _status(client, other, customer_b) == (404, 404)
