"""Notices with their audience and delivery log: what the service app tells customers.
Models of the ``service`` app, importable from ``gridcrm.service.models`` too."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """A policy publication, a planned- or unplanned-outage notice (R5, R7), or a hazard
    notice to one customer (``notices.customer_notice_send``)."""

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy notice")
        OUTAGE = "outage", _("Planned outage notice")
        FAULT = "fault", _("Unplanned outage notice")
        # A written notice to one customer (隐患告知书), sent by the safety app.
        HAZARD = "hazard", _("Hazard notice")

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
    # An emergency reaches SMS and WeChat even in a customer's quiet hours.
    emergency = models.BooleanField(_("emergency"), default=False)
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
    """One notice to one customer through one channel: the delivery log. Each try to send
    it is a ``DeliveryAttempt``; ``idempotency_key`` is the same for every try, so the
    provider drops a repeat of a message it already took."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        # Rows written before real transports existed; nothing writes it any more.
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
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # In-app only: when the customer opened the notice in the portal inbox.
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set while a failed delivery waits for its next try (and when quiet hours postpone it).
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    # When the sweep claimed the row; a row left "sending" by a crash is claimed again
    # after a while and re-sent with the same idempotency key.
    claimed_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def idempotency_key(self) -> str:
        """One key per delivery, the same for every try: a notice reaches a customer
        through a channel once (``notice_delivery_once``)."""
        return f"notice-{self.notice_id}-{self.customer_id}-{self.channel}"


class DeliveryAttempt(models.Model):
    """One try to send a message through a transport: the delivery log a person reads.
    Either of a notice's delivery or of a one-off message (a login code); the text is
    stored redacted and the recipient masked, never a code or a full number."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    delivery = models.ForeignKey(
        NoticeDelivery, on_delete=models.CASCADE, null=True, blank=True, related_name="tries"
    )
    channel = models.CharField(_("channel"), max_length=10)
    purpose = models.CharField(_("purpose"), max_length=40)
    recipient = models.CharField(_("recipient"), max_length=120, blank=True)
    text = models.CharField(_("text"), max_length=500, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, db_index=True)
    number = models.PositiveSmallIntegerField(_("try"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENDING
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=120, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.channel} {self.idempotency_key} #{self.number}: {self.status}"


class ChannelPreference(models.Model):
    """How a customer wants to hear from the company: which channels, where, and when not.
    Without a row, a customer gets in-app, SMS to a mobile number and e-mail to the
    address in the archive, with quiet hours from 22:00 to 08:00."""

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    channels = models.JSONField(_("channels"), default=list)
    email = models.EmailField(_("e-mail address"), blank=True)
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)
    quiet_start = models.TimeField(_("quiet hours start"), default=dt.time(22, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=dt.time(8, 0))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return f"{self.customer_id}: {', '.join(self.channels)}"
