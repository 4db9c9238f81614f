"""Staff and portal users, and the region tree they and customers belong to."""

from __future__ import annotations

from typing import Any

from django.contrib import auth
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent
from gridcrm.users.roles import is_role_permission


class RegionLevel(models.TextChoices):
    COMPANY = "company", _("Supply company")
    DISTRICT = "district", _("District company")
    STATION = "station", _("Supply station")


class Region(models.Model):
    """A node of company → district or county → supply station (供电所).

    ``path`` holds the codes from the root, dot-separated, so that "this region
    and everything below it" is one indexed prefix query.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in: staff of the supply company, or a customer on the portal."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("region"),
        help_text=_("A regional collector sees the customers of this region and below."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """Django's check, except that being a superuser grants no business permission:
        those come from roles only (``users/roles.py``, ``users/backends.py``)."""
        if self.is_active and self.is_superuser and is_role_permission(perm):
            return any(
                backend.has_perm(self, perm, obj)
                for backend in auth.get_backends()
                if hasattr(backend, "has_perm")
            )
        return super().has_perm(perm, obj)


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Null only on tokens issued before tokens expired; those are refused like expired ones.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"


class UserEvent(AuditEvent):
    """The audit trail of the users app: accounts, roles, regions and API tokens.
    Written only through ``gridcrm.users.events``."""

    class Kind(models.TextChoices):
        USER_CREATED = "user_created", _("User created")
        ROLE_GRANTED = "role_granted", _("Role granted")
        TOKEN_ISSUED = "token_issued", _("API token issued")
        REGION_CREATED = "region_created", _("Region created")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("user"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )

    class Meta(AuditEvent.Meta):
        verbose_name = _("user event")
        verbose_name_plural = _("user events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
