"""Reads about users: their roles and their region."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from gridcrm.users.errors import TokenExpired
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


def region_ids_under(*, path: str) -> list[int]:
    """Ids of the region at ``path`` and of every region below it. (Added for the service
    app.)"""
    return list(
        Region.objects.filter(Q(path=path) | Q(path__startswith=f"{path}.")).values_list(
            "pk", flat=True
        )
    )


def user_for_token(*, token: str) -> User | None:
    """The active user owning an API token, recording when it was used (to the minute).

    ``None`` for an unknown token or an inactive user; ``TokenExpired`` for a token past its
    ``expires_at`` (or issued before tokens expired)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if found is None or not found.user.is_active:
        return None
    now = timezone.now()
    if found.expires_at is None or found.expires_at <= now:
        raise TokenExpired
    # To the minute: a script polling the API would otherwise write (and lock) the same
    # row on every read.
    if found.last_used_at is None or now - found.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def regions_all() -> QuerySet[Region]:
    """Every region in tree order."""
    return Region.objects.order_by("path")


def regions_below_company() -> QuerySet[Region]:
    """The district companies and supply stations, in tree order."""
    return Region.objects.exclude(level=RegionLevel.COMPANY).order_by("path")


def region_by_code(*, code: str) -> Region | None:
    """The region with this code, or ``None`` (also for an empty code)."""
    return Region.objects.filter(code=code).first() if code else None


def company_region() -> Region | None:
    """The root of the region tree (the supply company), or ``None`` when there is none."""
    return Region.objects.filter(parent__isnull=True).order_by("path").first()


def user_by_username(*, username: str) -> User | None:
    """The user with this user name, or ``None``."""
    return User.objects.filter(username=username).first()


def first_superuser() -> User | None:
    """The superuser created first, or ``None``."""
    return User.objects.filter(is_superuser=True).order_by("pk").first()


def users_with_role(*, role: Role) -> QuerySet[User]:
    """Active users holding ``role``, by username (to hand work to one of them)."""
    return User.objects.filter(is_active=True, groups__name=role.value).order_by("username")


def region_codes_under(*, path: str) -> list[str]:
    """Codes of the region at ``path`` and of every region below it (the service app's
    notices name their audience by code)."""
    return list(
        Region.objects.filter(Q(path=path) | Q(path__startswith=f"{path}.")).values_list(
            "code", flat=True
        )
    )


# -- regions, for apps that store a region and show or read it (the archive)


def region_codes_by_id() -> dict[int, str]:
    """Every region's code by primary key (an export writes the supply station by code)."""
    return dict(Region.objects.values_list("pk", "code"))


def region_name(*, region_id: int) -> str | None:
    """The name of the region with this primary key; ``None`` when there is none."""
    return Region.objects.filter(pk=region_id).values_list("name", flat=True).first()


def station_id_find(*, text: str) -> int | None:
    """The primary key of the supply station whose code or name is ``text`` (or, for
    digits, whose primary key it is); ``None`` when no station matches."""
    stations = Region.objects.filter(level=RegionLevel.STATION)
    found = stations.filter(Q(code=text) | Q(name=text)).values_list("pk", flat=True).first()
    if found is None and text.isdigit():
        found = stations.filter(pk=int(text)).values_list("pk", flat=True).first()
    return found
