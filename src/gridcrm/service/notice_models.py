"""Notices with their audience and delivery log: what the service app tells customers.
Models of the ``service`` app, importable from ``gridcrm.service.models`` too."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """A policy publication or a planned-outage notice (R5, R7)."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy notice")
        OUTAGE = "outage", _("Planned outage notice")
        FAULT = "fault", _("Unplanned outage notice")

    class Topic(models.TextChoices):
        TARIFF = "tariff", _("Tariff change")
        PROCEDURE = "procedure", _("Procedure")
        DOCUMENT = "document", _("Document")
        OUTAGE = "outage", _("Planned outage")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    outage_start = models.DateTimeField(_("outage starts"), null=True, blank=True)
    outage_end = models.DateTimeField(_("outage ends"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        permissions = [
            ("publish_policy_notice", _("Can publish policy notices")),
            ("publish_outage_notice", _("Can publish planned-outage notices")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("service:notice_detail", args=[self.pk])


class NoticeTarget(models.Model):
    """Who a notice is for: a region (and below), a supply station, a transformer area, or
    the customers behind a 10 kV line or a transformer of the grid registry.

    A policy notice without targets is for every customer; an outage notice needs one.
    """

    class Scope(models.TextChoices):
        REGION = "region", _("Region and below")
        STATION = "station", _("Supply station")
        TRANSFORMER_AREA = "transformer_area", _("Transformer area")
        FEEDER = "feeder", _("10 kV line")
        TRANSFORMER = "transformer", _("Transformer")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="targets")
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    value = models.CharField(_("value"), max_length=100)
    # Transformer area names repeat between stations: optionally name the station too.
    station = models.CharField(_("supply station"), max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "scope", "value", "station"], name="notice_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}={self.value}"


class NoticeDelivery(models.Model):
    """One notice to one customer through one channel: the delivery log."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        LOGGED = "logged", _("Logged (channel not configured)")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    customer = models.ForeignKey("archive.Customer", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10)
    send_at = models.DateTimeField(_("send at"))
    lead_days = models.PositiveSmallIntegerField(_("days ahead"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["send_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "customer", "channel"], name="notice_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "send_at"], name="svc_delivery_due"),
            models.Index(fields=["customer", "send_at"], name="svc_delivery_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.customer_id} ({self.channel})"
