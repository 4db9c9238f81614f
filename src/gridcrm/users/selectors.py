"""Reads about users: their roles and their region."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from gridcrm.users.models import ApiToken, Region, RegionLevel, User
from gridcrm.users.roles import Role

TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def user_roles(*, user: User | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds (the groups named after a role code)."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, "_gridcrm_roles", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(Role(name) for name in names if name in Role.values)
        user._gridcrm_roles = cached  # type: ignore[attr-defined]
    return cached


def region_by_code(*, code: str) -> Region | None:
    """The region with this code, if there is one. (Added for the service app.)"""
    return Region.objects.filter(code=code).first() if code else None


def region_ids_under(*, path: str) -> list[int]:
    """Ids of the region at ``path`` and of every region below it. (Added for the service
    app.)"""
    return list(
        Region.objects.filter(Q(path=path) | Q(path__startswith=f"{path}.")).values_list(
            "pk", flat=True
        )
    )


def regions_below_company() -> list[Region]:
    """Every region but the company itself (districts and stations) with its code and name,
    for choosing one. (Added for the service app.)"""
    return list(Region.objects.exclude(level=RegionLevel.COMPANY).only("code", "name"))


def user_for_token(*, token: str) -> User | None:
    """The active user owning an API token, recording when it was used (to the minute)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if found is None or not found.user.is_active:
        return None
    now = timezone.now()
    # To the minute: a script polling the API would otherwise write (and lock) the same
    # row on every read.
    if found.last_used_at is None or now - found.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user
