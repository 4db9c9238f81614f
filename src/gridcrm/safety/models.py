"""Safety work (用电检查): the published inspection cycles and rectification deadlines,
the inspections made at customers' premises, and the hazards (隐患) found there, followed
from the written notice to the customer until they are closed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent
from gridcrm.core.versioning import PublishedVersion


class Severity(models.TextChoices):
    """How grave a hazard is; the deadline to rectify it follows (``SafetyRules``)."""

    GENERAL = "general", _("General hazard")
    SIGNIFICANT = "significant", _("Significant hazard")
    MAJOR = "major", _("Major hazard")


class SafetyRules(PublishedVersion):
    """A published version of the safety configuration: ``cycles`` (one
    ``rules.CycleRule`` per class of customer: how many months between inspections) and
    ``deadlines`` (one ``rules.DeadlineRule`` per severity: days to rectify, and whether
    ignoring it is a credit event)."""

    cycles = models.JSONField(_("inspection cycles"), default=list)
    deadlines = models.JSONField(_("rectification deadlines"), default=list)

    class Meta(PublishedVersion.Meta):
        verbose_name = _("safety rules")
        verbose_name_plural = _("safety rules")
        constraints = [models.UniqueConstraint(fields=["number"], name="safety_rules_number")]
        permissions = [
            ("view_safety", _("Can view inspections and hazards")),
            ("record_inspection", _("Can record inspections and follow hazards")),
            ("manage_safety_rules", _("Can publish inspection cycles and deadlines")),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Inspection(models.Model):
    """One inspection of a customer's premises: the checklist as found, the result and
    the inspector's notes; the hazards found hang from it."""

    class Result(models.TextChoices):
        PASSED = "passed", _("No hazard found")
        HAZARDS = "hazards", _("Hazards found")

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    inspector = models.ForeignKey(
        "users.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    inspected_on = models.DateField(_("inspected on"))
    # {item code: "ok" | "problem" | "na"} for the items of ``rules.CHECKLIST``.
    checklist = models.JSONField(_("checklist"), default=dict)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    notes = models.TextField(_("notes"), blank=True)
    # A re-inspection of one hazard's rectification, when it is one.
    hazard = models.ForeignKey(
        "Hazard", on_delete=models.CASCADE, null=True, blank=True, related_name="reinspections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [models.Index(fields=["customer", "inspected_on"], name="safety_insp_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.inspected_on}"


class Hazard(models.Model):
    """A hazard (隐患) found by an inspection: open until the customer reports it
    rectified and a re-inspection confirms it (closed). Past its deadline while still
    open it is overdue (``overdue_since``, set once by the daily sweep)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To rectify")
        REPORTED = "reported", _("Rectification reported")
        CLOSED = "closed", _("Closed after re-inspection")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="hazards", verbose_name=_("inspection")
    )
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    description = models.CharField(_("description"), max_length=300)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices)
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    notice_id = models.PositiveIntegerField(_("hazard notice"), null=True, blank=True)
    reported_on = models.DateField(_("rectification reported on"), null=True, blank=True)
    report_note = models.CharField(_("what was done"), max_length=300, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    credit_event_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        indexes = [models.Index(fields=["status", "deadline"], name="safety_hazard_due")]

    def __str__(self) -> str:
        return self.description


class SafetyEvent(AuditEvent):
    """The safety app's audit trail, written only through ``gridcrm.safety.events``."""

    class Kind(models.TextChoices):
        RULES_PUBLISHED = "rules_published", _("Safety rules published")
        INSPECTED = "inspected", _("Inspection recorded")
        HAZARD_FOUND = "hazard_found", _("Hazard found and notice sent")
        RECTIFICATION_REPORTED = "rectification_reported", _("Rectification reported")
        REINSPECTED = "reinspected", _("Hazard re-inspected")
        OVERDUE = "overdue", _("Hazard past its deadline")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, null=True, related_name="+"
    )
    text = models.CharField(max_length=500, blank=True)

    class Meta(AuditEvent.Meta):
        verbose_name = _("safety event")
        verbose_name_plural = _("safety events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
