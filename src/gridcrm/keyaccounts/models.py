"""Key accounts (R9): the roster, corporate groups, visits, needs reports, needs and
their audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent


class Tier(models.IntegerChoices):
    """How much attention an account gets; decides the visit frequency."""

    ONE = 1, _("Tier 1 (strategic)")
    TWO = 2, _("Tier 2 (major)")
    THREE = 3, _("Tier 3 (standard)")


class Topic(models.TextChoices):
    """The controlled list of visit topics."""

    SUPPLY_QUALITY = "supply_quality", _("Supply quality")
    TARIFF_BILL = "tariff_bill", _("Tariff and bill")
    CAPACITY_CHANGE = "capacity_change", _("Capacity change")
    ENERGY_EFFICIENCY = "energy_efficiency", _("Energy efficiency")
    NEW_PROJECT = "new_project", _("New project")
    COMPLAINT = "complaint", _("Complaint")


class Stage(models.TextChoices):
    """Where a need is in the pipeline; ``merged`` and ``rejected`` end screening."""

    REPORTED = "reported", _("Reported")
    ANALYSED = "analysed", _("Analysed")
    PROPOSED = "proposed", _("Proposed to the customer")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    FULFILLED = "fulfilled", _("Fulfilled")
    MERGED = "merged", _("Merged")
    REJECTED = "rejected", _("Rejected")


class Origin(models.TextChoices):
    REPORTED = "reported", _("Reported by the customer")
    LATENT = "latent", _("Latent need found in the data")


class AccountGroup(models.Model):
    """A corporate group whose several sites are each a key account."""

    name = models.CharField(_("group name"), max_length=200, unique=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("corporate group")
        verbose_name_plural = _("corporate groups")

    def __str__(self) -> str:
        return self.name


class KeyAccount(models.Model):
    """A customer on the key-account roster, with its manager and backup manager.

    ``basis`` holds the codes of the roster rules the customer meets (``roster.RULES``);
    a manual nomination keeps a customer on the roster whatever the rules say.
    ``manager`` is kept equal to ``Customer.account_manager`` by
    ``services.keyaccount_assign``, the only writer of both.
    """

    customer = models.OneToOneField(
        "archive.Customer",
        on_delete=models.CASCADE,
        related_name="key_account",
        verbose_name=_("customer"),
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.THREE)
    basis = models.JSONField(_("roster rules met"), default=list, blank=True)
    nominated = models.BooleanField(_("nominated"), default=False)
    nomination_reason = models.CharField(_("nomination reason"), max_length=500, blank=True)
    active = models.BooleanField(_("on the roster"), default=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_accounts",
        verbose_name=_("key-account manager"),
    )
    backup_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backup_accounts",
        verbose_name=_("backup manager"),
    )
    group = models.ForeignKey(
        AccountGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("corporate group"),
    )
    visit_interval_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tier", "customer__account_no"]
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        permissions = [
            ("manage_roster", "Can nominate key accounts and assign managers"),
            ("work_keyaccounts", "Can record visits and needs of own key accounts"),
            ("screen_needs", "Can screen needs reports and add latent needs"),
        ]
        indexes = [models.Index(fields=["manager", "active"])]

    def __str__(self) -> str:
        return str(self.customer)


class Visit(models.Model):
    """A visit to a key account: who was met, what was talked about, in the manager's words."""

    key_account = models.ForeignKey(KeyAccount, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("visit date"))
    people_met = models.CharField(_("people met"), max_length=300)
    topics = models.JSONField(_("topics"), default=list)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        indexes = [models.Index(fields=["key_account", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.key_account_id} {self.visited_on}"


class NeedsReport(models.Model):
    """A manager's report of a key account's needs, handed to one business specialist."""

    key_account = models.ForeignKey(KeyAccount, on_delete=models.CASCADE, related_name="reports")
    visit = models.ForeignKey(
        Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="needs_reports",
        verbose_name=_("business specialist"),
    )
    summary = models.TextField(_("summary"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("needs report")
        verbose_name_plural = _("needs reports")

    def __str__(self) -> str:
        return f"{self.key_account_id} #{self.pk}"


class Need(models.Model):
    """One need of a key account moving through the pipeline (``pipeline.TRANSITIONS``)."""

    key_account = models.ForeignKey(KeyAccount, on_delete=models.CASCADE, related_name="needs")
    report = models.ForeignKey(
        NeedsReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="needs"
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    title = models.CharField(_("need"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, blank=True)
    rule = models.CharField(_("latent-need rule"), max_length=40, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_needs",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_needs"
    )
    screen_reason = models.CharField(_("screening reason"), max_length=500, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    analysed_at = models.DateTimeField(_("analysed"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    stage_changed_at = models.DateTimeField(_("in this stage since"))

    class Meta:
        ordering = ["-stage_changed_at", "-pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [
            models.Index(fields=["stage", "stage_changed_at"]),
            models.Index(fields=["key_account", "rule"]),
        ]

    def __str__(self) -> str:
        return self.title


class Event(AuditEvent):
    """The audit trail of the roster and the pipeline, written only by ``events.py``
    inside the service that makes the change. ``from_stage``/``to_stage`` are a need's
    move, ``note`` the short text shown in the timeline."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Added to the roster")
        NOMINATED = "nominated", _("Nominated")
        ASSIGNED = "assigned", _("Managers assigned")
        GROUPED = "grouped", _("Corporate group set")
        RULES_CHANGED = "rules_changed", _("Roster rules met or tier changed")
        REMOVED = "removed", _("Left the roster")
        VISIT = "visit", _("Visit recorded")
        REPORT = "report", _("Needs report sent")
        STAGE = "stage", _("Need moved")
        LATENT = "latent", _("Latent need added")
        FAST = "fast", _("Fast-channel request filed")
        FEEDBACK = "feedback", _("Feedback call recorded")

    key_account = models.ForeignKey(KeyAccount, on_delete=models.CASCADE, related_name="events")
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    from_stage = models.CharField(max_length=10, blank=True)
    to_stage = models.CharField(max_length=10, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta(AuditEvent.Meta):
        verbose_name = _("key-account event")
        verbose_name_plural = _("key-account events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class Satisfaction(models.IntegerChoices):
    """The customer's answer in the feedback call."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neither satisfied nor dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class Notification(models.Model):
    """A message to a key-account manager about one of their accounts: a fast-channel
    request's step, breach or close, or a feedback call that is due. One row per
    recipient and happening, so each manager's message list is their own."""

    class Kind(models.TextChoices):
        STEP = "step", _("Request moved on")
        WARNING = "warning", _("Time limit near or passed")
        CLOSED = "closed", _("Request closed")
        FEEDBACK_DUE = "feedback_due", _("Feedback call due")
        FEEDBACK = "feedback", _("Feedback call recorded")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ka_notifications"
    )
    key_account = models.ForeignKey(
        KeyAccount, on_delete=models.CASCADE, related_name="notifications"
    )
    request = models.ForeignKey(
        "service.ServiceRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("message"), max_length=500)
    at = models.DateTimeField(_("when"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.at:%Y-%m-%d}"


class FeedbackCall(models.Model):
    """The call back to a key account at the end of a fast-channel request: the customer's
    satisfaction and notes, or a waiver with its reason. The request closes only after it."""

    request = models.OneToOneField(
        "service.ServiceRequest", on_delete=models.CASCADE, related_name="feedback_call"
    )
    key_account = models.ForeignKey(
        KeyAccount, on_delete=models.CASCADE, related_name="feedback_calls"
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    waived = models.BooleanField(_("waived"), default=False)
    waive_reason = models.CharField(_("why waived"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("feedback call")
        verbose_name_plural = _("feedback calls")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(waived=True, satisfaction__isnull=True)
                | models.Q(waived=False, satisfaction__isnull=False),
                name="ka_feedback_answered_or_waived",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.request_id}"
