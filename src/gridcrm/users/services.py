"""Writes about users, roles, regions and API tokens. Each change of an account, a role,
a region or a token writes its ``UserEvent`` in the same transaction (``acting_user``
empty: the system did it, e.g. a command or the demo)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcrm.core.errors import Invalid
from gridcrm.users import events
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


@transaction.atomic
def region_create(
    *,
    code: str,
    name: str,
    level: RegionLevel,
    parent: Region | None,
    acting_user: User | None = None,
) -> Region:
    """Add a region below ``parent`` (none for the company itself)."""
    path = code if parent is None else f"{parent.path}.{code}"
    region = Region.objects.create(code=code, name=name, level=level, parent=parent, path=path)
    events.region_created(region=region, acting_user=acting_user)
    return region


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str,
    role: Role,
    region: Region | None = None,
    is_superuser: bool = False,
    acting_user: User | None = None,
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
    events.user_created(user=user, acting_user=acting_user)
    events.role_granted(user=user, role=role.value, acting_user=acting_user)
    return user


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, days: int | None = None, acting_user: User | None = None
) -> str:
    """Issue a new API token valid for ``days`` (default ``settings.API_TOKEN_DAYS``) and
    return it; it cannot be shown again."""
    lifetime = settings.API_TOKEN_DAYS if days is None else days
    if lifetime < 1:
        raise Invalid(
            _("A token must be valid for at least one day."),
            code="users.token_days",
            fields={"days": _("At least one day.")},
        )
    token = secrets.token_urlsafe(32)
    issued = ApiToken.objects.create(
        user=user,
        name=name,
        digest=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + dt.timedelta(days=lifetime),
    )
    events.token_issued(token=issued, acting_user=acting_user)
    return token
