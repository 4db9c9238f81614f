from django.contrib.auth.models import Group

from gridcrm.users.roles import ROLE_PERMISSIONS, Role


def test_every_role_is_a_group_with_exactly_its_permissions(db: None) -> None:
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(perms), role


def test_every_role_of_the_mission_exists() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_only_roles_that_call_customers_see_unmasked_phones() -> None:
    seeing = {
        r for r, perms in ROLE_PERMISSIONS.items() if "archive.view_customer_contact" in perms
    }
    assert Role.CUSTOMER not in seeing
    assert Role.MARKETING_MANAGER not in seeing
    assert Role.SERVICE_AGENT in seeing
