"""Service requests (工单) as configurable workflows with time limits, the service matrix
(segment × credit grade × important-customer class), the holiday calendar, notices with
their delivery log, and payment grace requests.

Configuration (request types, their steps, the calendar, the matrix) is data that
administrators and marketing managers edit; a request copies its steps and limits when it
is created, so later edits of the configuration never move the deadlines of open work.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import ImportanceClass, Segment
from gridcrm.archive.validators import phone_validator
from gridcrm.core.audit import AuditEvent
from gridcrm.core.sealing import SealedCharField
from gridcrm.core.versioning import PublishedVersion

# The app's choices and its notice models live in their own modules; importable from here.
from gridcrm.service.choices import AreaKind as AreaKind
from gridcrm.service.choices import Channel as Channel
from gridcrm.service.choices import CreditGrade as CreditGrade
from gridcrm.service.choices import LimitUnit as LimitUnit
from gridcrm.service.choices import Package as Package
from gridcrm.service.choices import RequestCategory as RequestCategory
from gridcrm.service.notice_models import ChannelPreference as ChannelPreference
from gridcrm.service.notice_models import DeliveryAttempt as DeliveryAttempt
from gridcrm.service.notice_models import Notice as Notice
from gridcrm.service.notice_models import NoticeDelivery as NoticeDelivery
from gridcrm.service.notice_models import NoticeTarget as NoticeTarget
from gridcrm.users.roles import Role

_POSITIVE = [MinValueValidator(1)]


class _Labelled(models.Model):
    """Configuration rows carry their own Chinese and English names."""

    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return str(getattr(self, self.name_field()))

    @staticmethod
    def name_field() -> str:
        """The column holding the name in the active language."""
        return "name_en" if (get_language() or "").startswith("en") else "name_zh"


class HolidayDay(models.Model):
    """A day the calendar treats differently from its weekday (法定节假日 / 调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (no work)")
        WORKDAY = "workday", _("Make-up working day")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        permissions = [("manage_calendar", _("Can maintain the holiday calendar"))]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.name}"


class RegionArea(models.Model):
    """Whether a region is city, rural or remote; a region inherits from its parent."""

    region = models.OneToOneField(
        "users.Region", on_delete=models.CASCADE, related_name="service_area"
    )
    area = models.CharField(_("area"), max_length=10, choices=AreaKind.choices)

    class Meta:
        verbose_name = _("service area of a region")
        verbose_name_plural = _("service areas of regions")

    def __str__(self) -> str:
        return f"{self.region} · {self.get_area_display()}"


class _Limit(models.Model):
    """A time limit: a number of working days, hours or minutes, by area where it differs."""

    limit_unit = models.CharField(_("unit"), max_length=12, choices=LimitUnit.choices)
    limit_value = models.PositiveIntegerField(_("time limit"), validators=_POSITIVE)
    limit_rural = models.PositiveIntegerField(
        _("time limit, rural"), null=True, blank=True, validators=_POSITIVE
    )
    limit_remote = models.PositiveIntegerField(
        _("time limit, remote"), null=True, blank=True, validators=_POSITIVE
    )

    class Meta:
        abstract = True

    def limit_for(self, area: str) -> int:
        if area == AreaKind.REMOTE and self.limit_remote:
            return self.limit_remote
        if area in (AreaKind.RURAL, AreaKind.REMOTE) and self.limit_rural:
            return self.limit_rural
        return self.limit_value


class RequestType(_Labelled, _Limit):
    """A kind of request (新装, 过户, 故障报修 …): its steps and its total time limit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=12, choices=RequestCategory.choices)
    needs_tier1 = models.BooleanField(
        _("needs complete tier-1 data"),
        default=False,
        help_text=_("Refuse the request while the customer misses tier-1 fields."),
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warn when this share of a limit is used (%)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("request type")
        verbose_name_plural = _("request types")
        permissions = [("manage_workflows", _("Can configure request types and their steps"))]

    def __str__(self) -> str:
        return self.name


class WorkflowStep(_Labelled, _Limit):
    """One step of a request type, owned by a role, with its own time limit."""

    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40)
    owner_role = models.CharField(_("owner role"), max_length=30, choices=Role.choices)
    also_roles = models.JSONField(
        _("roles that may also complete it"),
        default=list,
        blank=True,
        help_text=_("E.g. an agent recording a field crew's report on the phone."),
    )

    class Meta:
        ordering = ["request_type", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["request_type", "position"], name="workflow_step_position_unique"
            ),
            models.UniqueConstraint(
                fields=["request_type", "code"], name="workflow_step_code_unique"
            ),
        ]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")

    def __str__(self) -> str:
        return f"{self.request_type.code}.{self.code}"


class MatrixVersion(PublishedVersion):
    """One published service matrix; versions are never edited, only superseded
    (``matrix_publish`` takes the next number through ``version_publish``)."""

    class Meta(PublishedVersion.Meta):
        constraints = [
            models.UniqueConstraint(fields=["number"], name="matrix_version_number_unique")
        ]
        verbose_name = _("service matrix version")
        verbose_name_plural = _("service matrix versions")
        permissions = [("manage_service_matrix", _("Can edit the service matrix"))]

    def __str__(self) -> str:
        return f"v{self.number}"


class MatrixRule(models.Model):
    """A cell (or a band) of the service matrix: segment × credit grade × important class,
    optionally only for some request types or for requests through one channel (the
    key-account fast channel's tighter limits). Blank conditions match everything."""

    IMPORTANT = "important"

    version = models.ForeignKey(MatrixVersion, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("order"))
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    credit_grade = models.CharField(
        _("credit grade"), max_length=3, choices=CreditGrade.choices, blank=True
    )
    importance = models.CharField(
        _("important customer class"),
        max_length=20,
        blank=True,
        choices=[(IMPORTANT, _("Any important class")), *ImportanceClass.choices],
    )
    request_types = models.JSONField(_("only for request types"), default=list, blank=True)
    channel = models.CharField(
        _("only for channel"), max_length=20, choices=Channel.choices, blank=True
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 is the most urgent."),
    )
    limit_factor = models.DecimalField(
        _("time limit factor"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(2)],
    )
    package = models.CharField(_("package"), max_length=12, choices=Package.choices, blank=True)
    extra_steps = models.JSONField(_("extra steps"), default=list, blank=True)
    reminder_days = models.JSONField(
        _("payment reminders (days before due)"), null=True, blank=True
    )
    note = models.CharField(_("why"), max_length=200)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="matrix_rule_position_unique"
            )
        ]
        verbose_name = _("service matrix rule")
        verbose_name_plural = _("service matrix rules")

    def __str__(self) -> str:
        return f"{self.version} #{self.position} {self.note}"


def request_number(pk: int) -> str:
    """The number of request ``pk`` as people read it out on the phone (工单号)."""
    return f"GD{pk:08d}"


class ServiceRequest(models.Model):
    """A service request (工单) of one customer, moving through its copied steps."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="service_requests"
    )
    # The customer's supply station: regional queues select on it. While the request is
    # open it moves with the customer (``stations.open_requests_follow_customers``, told
    # of every customer write by the archive); a closed request keeps the station it was
    # worked at.
    region = models.ForeignKey("users.Region", on_delete=models.PROTECT, related_name="+")
    request_type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="requests")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    summary = models.CharField(_("summary"), max_length=500)
    # Where the fault is or the work happens when it is not the customer's address, and
    # the number to call back on (sealed at rest like every phone, ``core.sealing``).
    address = models.CharField(_("fault or site address"), max_length=200, blank=True)
    callback_phone = SealedCharField(
        _("callback number"), max_length=20, blank=True, validators=[phone_validator]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    area = models.CharField(_("area"), max_length=10, choices=AreaKind.choices)
    # What the service matrix decided when the request was made, and why.
    priority = models.PositiveSmallIntegerField(_("priority"), default=3)
    limit_factor = models.DecimalField(max_digits=3, decimal_places=2, default=1)
    package = models.CharField(_("package"), max_length=12, choices=Package.choices)
    matrix_version = models.ForeignKey(
        MatrixVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.JSONField(default=dict, blank=True)
    # The active step, denormalised so that a queue is one indexed query.
    current_position = models.PositiveSmallIntegerField(null=True, blank=True)
    current_role = models.CharField(max_length=30, blank=True)
    step_due_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The customer's rating once the request closed (回访 from the portal): 1–5 and a word.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        permissions = [
            ("work_servicerequest", _("Can take and work on service requests")),
            ("view_escalations", _("Can see escalated service requests")),
        ]
        indexes = [
            models.Index(
                fields=["status", "current_role", "priority", "step_due_at"], name="svc_queue"
            ),
            models.Index(fields=["status", "step_due_at"], name="svc_open_due"),
            models.Index(fields=["customer", "created_at"], name="svc_customer"),
            models.Index(fields=["status", "region"], name="svc_region"),
            models.Index(
                fields=["status", "current_role", "region", "priority", "step_due_at"],
                name="svc_queue_region",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("service:request_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """The request number people read out on the phone (工单号)."""
        return request_number(self.pk)


class RequestStep(_Labelled):
    """A step of one request, copied from the workflow (or added by the matrix)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("In progress")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=40)
    owner_role = models.CharField(max_length=30, choices=Role.choices)
    also_roles = models.JSONField(default=list, blank=True)
    limit_unit = models.CharField(max_length=12, choices=LimitUnit.choices)
    limit_value = models.PositiveIntegerField(validators=_POSITIVE)
    from_matrix = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "position"], name="request_step_position_unique"
            )
        ]
        indexes = [
            models.Index(fields=["status", "warn_at"], name="svc_step_warn"),
            models.Index(fields=["status", "due_at"], name="svc_step_due"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}.{self.position} {self.code}"


class RequestEvent(AuditEvent):
    """The timeline of a request, and through ``customer`` of the customer (audit trail).
    Written only through ``gridcrm.service.events``."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TAKEN = "taken", _("Taken")
        RELEASED = "released", _("Released")
        STEP_DONE = "step_done", _("Step done")
        NOTE = "note", _("Note")
        ATTACHMENT = "attachment", _("Attachment")
        WARNED = "warned", _("Time limit near")
        BREACHED = "breached", _("Time limit passed")
        ESCALATED = "escalated", _("Escalated")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        RATED = "rated", _("Rated by the customer")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    customer = models.ForeignKey("archive.Customer", on_delete=models.CASCADE, related_name="+")
    step_name = models.CharField(max_length=80, blank=True)
    text = models.CharField(max_length=500, blank=True)

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["customer", "at"], name="svc_event_customer")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ServiceEvent(AuditEvent):
    """What was done to the matrix, to notices and to grace requests (audit trail); a
    request's own events are ``RequestEvent``. Written only through
    ``gridcrm.service.events``."""

    class Kind(models.TextChoices):
        MATRIX_PUBLISHED = "matrix_published", _("Service matrix published")
        NOTICE_CREATED = "notice_created", _("Notice written")
        NOTICE_PUBLISHED = "notice_published", _("Notice published")
        NOTICE_WITHDRAWN = "notice_withdrawn", _("Notice withdrawn")
        NOTICE_READ = "notice_read", _("Notice read")
        CHANNELS_SET = "channels_set", _("Channel preferences changed")
        MESSAGE_SENT = "message_sent", _("Message sent")
        GRACE_REQUESTED = "grace_requested", _("Grace requested")
        GRACE_APPROVED = "grace_approved", _("Grace approved")
        GRACE_REJECTED = "grace_rejected", _("Grace rejected")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    grace = models.ForeignKey(
        "GraceRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    matrix_version = models.ForeignKey(
        MatrixVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["customer", "at"], name="svc_audit_customer")]
        verbose_name = _("service audit event")
        verbose_name_plural = _("service audit events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Breach(models.Model):
    """A time limit that passed: of one step, or of the whole request (step null)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="breaches")
    step = models.ForeignKey(
        RequestStep, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner_role = models.CharField(max_length=30, choices=Role.choices, blank=True)
    due_at = models.DateTimeField()
    detected_at = models.DateTimeField()
    escalated_to = models.CharField(max_length=30, choices=Role.choices, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="breach_once_per_step"),
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(step__isnull=True),
                name="breach_once_per_request",
            ),
        ]
        verbose_name = _("time limit breach")
        verbose_name_plural = _("time limit breaches")

    def __str__(self) -> str:
        return f"{self.request_id} breach {self.due_at:%Y-%m-%d %H:%M}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"service/{instance.request_id}/{filename}"


class Attachment(models.Model):
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path)
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class GraceRequest(models.Model):
    """A request to move one bill's due date (R7: relaxed deadline for good credit)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey("archive.Customer", on_delete=models.CASCADE, related_name="+")
    bill_id = models.CharField(_("bill"), max_length=40)
    due_on = models.DateField(_("due on (from billing)"))
    days = models.PositiveSmallIntegerField(_("days of grace"), validators=_POSITIVE)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # At most one approved grace per bill: the adjusted due date is unambiguous.
            models.UniqueConstraint(
                fields=["customer", "bill_id"],
                condition=models.Q(status="approved"),
                name="grace_approved_once_per_bill",
            )
        ]
        verbose_name = _("grace request")
        verbose_name_plural = _("grace requests")
        permissions = [
            ("request_grace", _("Can request payment grace")),
            ("approve_grace", _("Can approve payment grace")),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.bill_id} +{self.days}"


class CalendarEvent(AuditEvent):
    """A change of the working-day calendar: who set or removed a day, who imported a
    year's official schedule (written only by ``service.calendar_events``)."""

    class Kind(models.TextChoices):
        DAY_SET = "day_set", _("Calendar day set")
        DAY_REMOVED = "day_removed", _("Calendar day removed")
        YEAR_IMPORTED = "year_imported", _("Official schedule imported")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    day = models.DateField(_("day"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta(AuditEvent.Meta):
        verbose_name = _("calendar event")
        verbose_name_plural = _("calendar events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.day or self.year}"
