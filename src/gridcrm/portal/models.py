"""The customer portal's own rows: which logins hold which accounts, one-time codes, and
the portal's audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent


class Binding(models.Model):
    """One portal login holding one account (户号). A login may hold several accounts; a
    business account may be held by several logins (its contacts); a household by one.
    Unbinding keeps the row (``unbound_at``) so that the history stays."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_bindings"
    )
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="portal_bindings"
    )
    bound_at = models.DateTimeField(_("bound"), default=timezone.now)
    unbound_at = models.DateTimeField(_("unbound"), null=True, blank=True)
    unbound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["bound_at", "pk"]
        verbose_name = _("portal binding")
        verbose_name_plural = _("portal bindings")
        permissions = [("unbind_portal_account", _("Can unbind a portal login from an account"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "customer"],
                condition=Q(unbound_at__isnull=True),
                name="portal_binding_active_once",
            )
        ]
        indexes = [models.Index(fields=["customer", "unbound_at"], name="portal_binding_cust")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.customer_id}"


class OneTimeCode(models.Model):
    """A code sent by SMS to a mobile number; only its keyed hash is stored."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")

    phone = models.CharField(max_length=11)
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["phone", "sent_at"], name="portal_code_phone"),
            models.Index(fields=["ip", "sent_at"], name="portal_code_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.phone[-4:]} {self.sent_at:%Y-%m-%d %H:%M}"


class PortalEvent(AuditEvent):
    """The portal's audit trail: codes, registrations, bindings and refusals."""

    class Kind(models.TextChoices):
        CODE_SENT = "code_sent", _("One-time code sent")
        REGISTERED = "registered", _("Registered on the portal")
        BOUND = "bound", _("Account bound to a portal login")
        UNBOUND = "unbound", _("Account unbound from a portal login")
        REFUSED = "refused", _("Portal input refused")
        REQUEST_FILED = "request_filed", _("Request filed on the portal")
        REQUEST_RATED = "request_rated", _("Request rated on the portal")
        CONTACT_UPDATED = "contact_updated", _("Contact data updated on the portal")
        DATA_EXPORTED = "data_exported", _("Personal data downloaded")

    portal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    customer = models.ForeignKey(
        "archive.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_events",
    )
    phone = models.CharField(max_length=20, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta(AuditEvent.Meta):
        indexes = [
            models.Index(fields=["customer", "at"], name="portal_event_customer"),
            models.Index(fields=["phone", "kind", "at"], name="portal_event_phone"),
        ]
