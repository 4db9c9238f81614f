"""The users app's part of the demo: the region tree, the demo logins, and the reads of
users and regions that other apps' demo modules need.

Other apps reach users and regions through these functions (and ``users.services``),
never through ``users.models``; the demo app orchestrates, this module writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from gridcrm.users.models import Region, RegionLevel, User
from gridcrm.users.roles import Role
from gridcrm.users.services import region_create

__all__ = [
    "RegionLevel",
    "RegionSpec",
    "StaffSpec",
    "region_get",
    "region_root",
    "regions_delete",
    "regions_of_level",
    "regions_under",
    "regions_write",
    "staff_write",
    "user_full_name_set",
    "user_with_role",
    "users_delete_query",
    "users_named",
    "users_with_role",
]


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """A region to create, below the region with code ``parent_code``."""

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class StaffSpec:
    """A demo login."""

    username: str
    full_name: str
    role: Role
    region_code: str | None = None
    is_superuser: bool = False
    # For key-account managers: the districts whose key accounts they look after.
    districts: tuple[str, ...] = ()


def regions_write(specs: Iterable[RegionSpec]) -> dict[str, Region]:
    """Create the regions, parents before children; returns them by code."""
    regions: dict[str, Region] = {}
    for spec in specs:
        parent = regions[spec.parent_code] if spec.parent_code else None
        regions[spec.code] = region_create(
            code=spec.code, name=spec.name, level=spec.level, parent=parent
        )
    return regions


def staff_write(
    staff: Sequence[StaffSpec], *, password: str, regions: dict[str, Region]
) -> dict[str, User]:
    """Create the logins, each in its region; returns them by username.

    They share one published password, so it is hashed once: hashing takes a third of a
    second a login, longer than the demo's 5,000 customers take. Otherwise the logins
    are what ``user_create`` makes, each holding its one role.
    """
    hashed = make_password(password)
    groups = {g.name: g for g in Group.objects.filter(name__in=[s.role.value for s in staff])}
    users = {}
    for spec in staff:
        user = User.objects.create(
            username=spec.username,
            password=hashed,
            full_name=spec.full_name,
            region=regions[spec.region_code] if spec.region_code else None,
            is_staff=spec.role is Role.ADMINISTRATOR or spec.is_superuser,
            is_superuser=spec.is_superuser,
        )
        user.groups.add(groups[spec.role.value])
        users[spec.username] = user
    return users


def users_named(usernames: Sequence[str]) -> dict[str, User]:
    """The users of these usernames that exist, by username (with their region)."""
    return {
        u.username: u for u in User.objects.filter(username__in=usernames).select_related("region")
    }


def users_with_role(role: Role) -> list[User]:
    """The active users holding ``role``, by username."""
    return list(
        User.objects.filter(is_active=True, groups__name=role.value)
        .select_related("region")
        .order_by("username")
    )


def user_with_role(role: Role, *, or_superuser: bool = False) -> User | None:
    """The first active user holding ``role`` (by key); else a superuser if asked."""
    user = User.objects.filter(groups__name=role.value, is_active=True).order_by("pk").first()
    if user is None and or_superuser:
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    return user


def users_delete_query(usernames: Sequence[str]) -> QuerySet[User]:
    """The users of these usernames, for the demo's reset to clear and delete."""
    return User.objects.filter(username__in=usernames)


def regions_under(code: str) -> QuerySet[Region]:
    """The region ``code`` and every region below it (none if it does not exist)."""
    return Region.objects.filter(Q(path=code) | Q(path__startswith=f"{code}."))


def regions_delete(code: str) -> None:
    """Delete the region ``code`` and its tree; users placed there keep their account."""
    regions = regions_under(code)
    User.objects.filter(region__in=regions).update(region=None)
    # Children before parents: Region.parent protects a region that has children.
    for level in (RegionLevel.STATION, RegionLevel.DISTRICT, RegionLevel.COMPANY):
        regions.filter(level=level).delete()


def region_get(code: str) -> Region | None:
    """The region of this code, if any."""
    return Region.objects.filter(code=code).first()


def region_root() -> Region | None:
    """The first region without a parent (the company), if any."""
    return Region.objects.filter(parent__isnull=True).order_by("path").first()


def regions_of_level(level: RegionLevel) -> list[Region]:
    """Every region of ``level``, in tree order."""
    return list(Region.objects.filter(level=level).order_by("path"))


def user_full_name_set(user: User, full_name: str) -> None:
    """Give a demo login its full name (the portal login takes its household's)."""
    user.full_name = full_name
    user.save(update_fields=["full_name"])
