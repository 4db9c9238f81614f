"""Writes about users, roles and regions."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from gridcrm.users.models import ApiToken, Region, RegionLevel, User
from gridcrm.users.roles import ROLE_PERMISSIONS, Role


def roles_sync() -> None:
    """Create a group per role holding exactly the permissions ROLE_PERMISSIONS lists."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def region_create(*, code: str, name: str, level: RegionLevel, parent: Region | None) -> Region:
    """Add a region below ``parent`` (none for the company itself)."""
    path = code if parent is None else f"{parent.path}.{code}"
    return Region.objects.create(code=code, name=name, level=level, parent=parent, path=path)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str,
    role: Role,
    region: Region | None = None,
    is_superuser: bool = False,
) -> User:
    """Create a user holding one role."""
    user = User(
        username=username,
        full_name=full_name,
        region=region,
        is_staff=role is Role.ADMINISTRATOR or is_superuser,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=role.value))
    return user


def api_token_issue(*, user: User, name: str) -> str:
    """Issue a new API token and return it; it cannot be shown again."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=hashlib.sha256(token.encode()).hexdigest())
    return token
