"""Issue 15: roles grant exactly what ``users/roles.py`` says, for every account — the
demo's administrator is a superuser, and that must not let it act outside its role."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.archive.services import change_request_approve, change_request_submit
from gridcrm.core.errors import Refused
from gridcrm.users.models import User
from gridcrm.users.roles import ROLE_PERMISSIONS, Role
from gridcrm.users.services import user_create
from tests.conftest import PASSWORD, Regions


@pytest.fixture
def demo_admin(regions: Regions) -> User:
    """Like the demo's ``admin``: the administrator role, and a Django superuser."""
    return user_create(
        username="admin",
        password=PASSWORD,
        full_name="高峰",
        role=Role.ADMINISTRATOR,
        is_superuser=True,
    )


def test_a_superuser_administrator_cannot_approve_a_tier1_change(
    demo_admin: User, agent: User, customer_a: Customer
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="address",
        new_value="山西省阳泉市城区桃北西街8号",
        reason="门牌整改",
        acting_user=agent,
    )
    with pytest.raises(Refused) as caught:
        change_request_approve(request=change, acting_user=demo_admin)
    assert caught.value.code == "archive.may_not_decide_change"
    customer_a.refresh_from_db()
    assert customer_a.address != "山西省阳泉市城区桃北西街8号"


def test_a_superuser_holds_exactly_its_roles_business_permissions(demo_admin: User) -> None:
    granted = set(ROLE_PERMISSIONS[Role.ADMINISTRATOR])
    every_business_perm = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    for perm in every_business_perm - {"users.view_user"}:
        assert demo_admin.has_perm(perm) is (perm in granted), perm
    # Administering accounts stays with the superuser.
    assert demo_admin.has_perm("users.change_user")
    assert demo_admin.has_perm("auth.change_group")


def test_the_api_refuses_the_superuser_a_business_action_outside_its_role(
    demo_admin: User, agent: User, customer_a: Customer, client: Client
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="address",
        new_value="山西省阳泉市城区桃北西街8号",
        reason="门牌整改",
        acting_user=agent,
    )
    client.force_login(demo_admin)
    response = client.post(
        f"/api/change-requests/{change.pk}/approve", {"note": "ok"}, "application/json"
    )
    assert (response.status_code, response.json()["code"]) == (
        403,
        "archive.may_not_decide_change",
    )


def test_a_superuser_without_a_role_sees_neither_customers_nor_others_jobs(
    regions: Regions, agent: User, customer_a: Customer, client: Client
) -> None:
    from gridcrm.jobs.models import Job
    from gridcrm.jobs.selectors import jobs_visible_to

    root = User.objects.create_superuser("root", password=PASSWORD)
    Job.objects.create(kind="archive.export_customers", created_by=agent, params={})
    assert not jobs_visible_to(user=root).exists()
    client.force_login(root)
    assert client.get(f"/api/customers/{customer_a.account_no}").status_code in {403, 404}
