"""The authentication backends: django-axes' throttle, then Django's model backend with
roles as the only source of business permissions.

Django gives a superuser every permission. In GridCRM that would let an account approve
tier-1 changes or publish notices no role of theirs allows, so the four-eyes rules and the
table in ``users/roles.py`` would not hold for every account. Here a superuser keeps
Django's blanket grant only outside the business apps (accounts, groups, the admin site);
inside them it holds what its groups (roles) and own permissions hold, like anyone else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from gridcrm.users.roles import is_role_permission

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest


def held_permissions(user: Any) -> set[str]:
    """``app_label.codename`` of the permissions granted to ``user`` directly or by a group."""
    rows = (
        Permission.objects.filter(Q(group__user=user) | Q(user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    return {f"{app_label}.{codename}" for app_label, codename in rows}


class RoleBackend(ModelBackend):
    """``ModelBackend`` without the superuser's blanket grant of business permissions."""

    def get_all_permissions(
        self, user_obj: AbstractBaseUser | AnonymousUser, obj: Any = None
    ) -> set[str]:
        perms = super().get_all_permissions(user_obj, obj)  # type: ignore[arg-type]
        if not perms or not getattr(user_obj, "is_superuser", False):
            return perms
        cache: set[str] | None = getattr(user_obj, "_role_perm_cache", None)
        if cache is None:
            held = held_permissions(user_obj)
            cache = {p for p in perms if not is_role_permission(p) or p in held}
            user_obj._role_perm_cache = cache  # type: ignore[union-attr]
        return cache


class ThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """django-axes' check, first in line: a locked-out username or address is refused before
    any password is compared.

    Logins over HTTP always pass their request. A call without one comes from code (a
    command, a test's ``Client.login``), which no one outside can reach; it is not counted
    rather than refused, which is what django-axes would do."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]
