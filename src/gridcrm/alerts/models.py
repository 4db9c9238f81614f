"""Alerts (R13): a condition someone must look at, in the responsible person's inbox, with
escalation to the next level when nobody acknowledges it in time.

The app is generic: other apps raise alerts through ``services.alert_raise`` with their
own ``kind`` codes (registered with a label in ``core.extensions.ALERT_KINDS``); the
subject is named by text (a customer's account number, an equipment code), so the app
holds no foreign key into the apps that raise.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent


class Alert(models.Model):
    """One alert. ``dedupe_key`` names the condition: while an alert with that key is not
    closed, raising the condition again only marks it seen (a partial unique constraint
    holds this even for two sweeps at once)."""

    class Severity(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=60)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.OPEN
    )
    dedupe_key = models.CharField(_("condition"), max_length=200)
    subject_type = models.CharField(_("subject type"), max_length=30)
    subject_ref = models.CharField(_("subject"), max_length=60)
    subject_label = models.CharField(_("subject name"), max_length=200, blank=True)
    text = models.CharField(_("details"), max_length=500, blank=True)
    link = models.CharField(_("record"), max_length=300, blank=True)
    # Only the demo reset deletes regions: their alerts go with them.
    region = models.ForeignKey(
        "users.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    role = models.CharField(_("responsible role"), max_length=30)
    responsible = models.ForeignKey(
        "users.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    escalation_role = models.CharField(_("escalates to"), max_length=30, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    opened_at = models.DateTimeField(_("opened"))
    last_seen_at = models.DateTimeField(_("last seen"))
    escalate_at = models.DateTimeField(_("escalates at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "users.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "users.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(status="closed"),
                name="alerts_open_once",
            )
        ]
        # The sweep reads "open, not escalated, due"; the inbox "not closed, by role".
        indexes = [
            models.Index(fields=["status", "escalate_at"], name="alerts_due"),
            models.Index(fields=["kind", "status"], name="alerts_kind_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_ref}"


class AlertEvent(AuditEvent):
    """The alerts app's audit trail, written only through ``gridcrm.alerts.events``."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Alert raised")
        ACKNOWLEDGED = "acknowledged", _("Alert acknowledged")
        ESCALATED = "escalated", _("Alert escalated")
        CLOSED = "closed", _("Alert closed")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
