"""Credit rating (R2) and credit policies (R7): scorecard versions, ratings and their
history, grade changes and the credit audit trail, credit events, overrides, reviews,
policies. Customers are named by the string ``"archive.Customer"``: the archive's models
are not imported."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import Segment
from gridcrm.core.audit import AuditEvent
from gridcrm.core.versioning import PublishedVersion


class Grade(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


# Worst first: a grade's index is its rank.
GRADE_RANK = {"C": 0, "B": 1, "A": 2, "AA": 3, "AAA": 4}
GRADES_BEST_FIRST = ("AAA", "AA", "A", "B", "C")


class ModelKind(models.TextChoices):
    FITTED = "fitted", _("Data-fitted scorecard")
    EXPERT = "expert", _("Expert scorecard (AHP)")


class ScorecardVersion(PublishedVersion):
    """One published version of a scorecard; never edited, only superseded. Numbered
    per ``kind`` (each kind is its own series of ``version_publish``).

    ``card`` is the compiled form every engine scores with: ``{"intercept": float,
    "variables": {indicator: {"splits": [...], "points": [...], "missing": float}}}``
    (read and written by services as ``gridcrm.credit.cards.Card``); ``cutoffs`` the
    lowest score of each grade above C: ``{"AAA": …, "AA": …, "A": …, "B": …}``;
    ``detail`` what built it (AHP matrix and weights, or the fit's report).
    """

    kind = models.CharField(_("model"), max_length=10, choices=ModelKind.choices)
    card = models.JSONField(default=dict)
    cutoffs = models.JSONField(_("grade cut-offs"), default=dict)
    event_scale = models.FloatField(
        _("points per demerit point"),
        default=1.0,
        help_text=_("Credit events count in points of the 100-point scale; times this."),
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta(PublishedVersion.Meta):
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="credit_scorecard_version")
        ]
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        permissions = [
            ("view_credit", _("Can see credit ratings")),
            ("manage_credit_models", _("Can edit scorecards and model choice")),
            ("run_credit_batch", _("Can run the credit rating batch")),
            ("record_credit_event", _("Can record credit events")),
            ("request_grade_override", _("Can request a credit grade override")),
            ("approve_grade_override", _("Can approve credit grade overrides")),
            ("handle_credit_review", _("Can answer credit explanation and review requests")),
            ("manage_credit_policy", _("Can edit credit policies")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.number}"


class SegmentModel(models.Model):
    """Which model rates the customers of a segment (configuration; absent: fitted if any)."""

    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, unique=True)
    kind = models.CharField(_("model"), max_length=10, choices=ModelKind.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("model of a segment")
        verbose_name_plural = _("models of segments")

    def __str__(self) -> str:
        return f"{self.segment}: {self.kind}"


class CreditRun(models.Model):
    """One rating batch: when, as of which day, with which models, what changed."""

    as_of = models.DateField(_("as of"))
    engine = models.CharField(max_length=10)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    models_used = models.JSONField(default=dict)
    customers = models.PositiveIntegerField(_("customers rated"), default=0)
    changes = models.PositiveIntegerField(_("grade changes"), default=0)
    grade_counts = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("rating run")
        verbose_name_plural = _("rating runs")

    def __str__(self) -> str:
        return f"{self.as_of} ({self.customers})"

    @property
    def models_used_text(self) -> str:
        """Which model rated each segment, in words."""
        # Imported here: the labels module reads ModelKind from this one.
        from gridcrm.credit.labels import models_used_text

        return models_used_text(self.models_used)


class CustomerCredit(models.Model):
    """A customer's credit as it stands: the latest grade, score and reasons."""

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, primary_key=True, related_name="credit"
    )
    grade = models.CharField(_("credit grade"), max_length=3, choices=Grade.choices)
    score = models.FloatField(_("score"))
    score_grade = models.CharField(_("grade by score"), max_length=3, choices=Grade.choices)
    model = models.CharField(_("model"), max_length=20)
    as_of = models.DateField(_("as of"))
    since = models.DateField(_("grade held since"))
    rule = models.CharField(_("rule applied"), max_length=30, blank=True)
    reasons = models.JSONField(_("reason codes"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["grade"])]
        verbose_name = _("customer credit")
        verbose_name_plural = _("customer credit")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.grade}"


class CreditRating(models.Model):
    """The rating history: one row per customer and rating day."""

    # Indexed by the unique (customer, as_of); a million rows a month: no extra indexes.
    customer = models.ForeignKey(
        "archive.Customer",
        on_delete=models.CASCADE,
        related_name="credit_ratings",
        db_index=False,
    )
    run = models.ForeignKey(
        CreditRun, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    as_of = models.DateField(_("as of"))
    grade = models.CharField(_("credit grade"), max_length=3, choices=Grade.choices)
    score = models.FloatField(_("score"))
    score_grade = models.CharField(_("grade by score"), max_length=3, choices=Grade.choices)
    model = models.CharField(_("model"), max_length=20)
    rule = models.CharField(_("rule applied"), max_length=30, blank=True)
    # No reason codes here: they stay on the current row (``CustomerCredit``); a million
    # JSON lists a month would double the history for what no page shows.

    class Meta:
        ordering = ["customer", "-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "as_of"], name="credit_rating_per_day")
        ]
        indexes = [models.Index(fields=["as_of", "grade"])]
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.as_of}: {self.grade}"


class GradeChange(AuditEvent):
    """The audit event of every grade change: old and new grade, why, who (``acting_user``)
    or which run; ``kind`` says what changed it."""

    class Kind(models.TextChoices):
        BATCH = "batch", _("Rating batch")
        OVERRIDE = "override", _("Approved override")
        REVIEW = "review", _("Human review")

    # Indexed by (customer, at).
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="grade_changes", db_index=False
    )
    old_grade = models.CharField(_("old grade"), max_length=3, blank=True)
    new_grade = models.CharField(_("new grade"), max_length=3)
    reason_code = models.CharField(_("reason code"), max_length=30)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    kind = models.CharField(_("source"), max_length=40, choices=Kind.choices)
    run = models.ForeignKey(
        CreditRun, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["customer", "at"])]
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.old_grade or '—'} → {self.new_grade}"

    def reason_text(self) -> str:
        """Why the grade changed, in words (``labels.grade_change_text``)."""
        from gridcrm.credit.labels import grade_change_text  # labels imports these models

        return grade_change_text(self)


class CreditAuditEvent(AuditEvent):
    """Every other change of credit data, written by the service that makes it (through
    ``gridcrm.credit.events``): events recorded and rectified, overrides requested and
    decided, reviews, published policies and scorecards, model choices, rating runs."""

    class Kind(models.TextChoices):
        EVENT_RECORDED = "event_recorded", _("Credit event recorded")
        HAZARD_RECTIFIED = "hazard_rectified", _("Hazard rectified")
        OVERRIDE_REQUESTED = "override_requested", _("Grade override requested")
        OVERRIDE_APPROVED = "override_approved", _("Grade override approved")
        OVERRIDE_REJECTED = "override_rejected", _("Grade override rejected")
        REVIEW_SUBMITTED = "review_submitted", _("Credit review requested")
        REVIEW_ANSWERED = "review_answered", _("Credit review answered")
        POLICY_PUBLISHED = "policy_published", _("Credit policies published")
        SCORECARD_PUBLISHED = "scorecard_published", _("Scorecard published")
        SEGMENT_MODEL_SET = "segment_model_set", _("Model of a segment chosen")
        BATCH_STARTED = "batch_started", _("Rating batch started")
        BATCH_RUN = "batch_run", _("Rating batch run")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    customer = models.ForeignKey(
        "archive.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="credit_audit_events",
    )

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["customer", "at"], name="credit_audit_customer_at")]
        verbose_name = _("credit audit event")
        verbose_name_plural = _("credit audit events")

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id or ''}".strip()


class EventKind(models.TextChoices):
    LATE_PAYMENT = "late_payment", _("Late payment")
    BROKEN_PLAN = "broken_payment_plan", _("Broken payment plan")
    RETURNED_PAYMENT = "returned_payment", _("Returned payment")
    THEFT = "theft", _("Electricity theft")
    ILLEGAL_USE = "illegal_use", _("Illegal use")
    ACCIDENT = "accident", _("Caused an accident")
    HAZARD_IGNORED = "hazard_ignored", _("Ignored a major hazard notice")
    MERIT_PROMPT = "merit_prompt", _("Merit: prompt payment")
    MERIT_COOPERATION = "merit_cooperation", _("Merit: cooperation (orderly use, safety)")


class CreditEvent(models.Model):
    """A dated demerit or merit (points on the 100-point scale, expiring), or an incident
    that triggers an automatic C (theft, illegal use, accident, ignored hazard notice)."""

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="credit_events"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    points = models.FloatField(
        _("points"), default=0, validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    resolved_on = models.DateField(
        _("rectified on"), null=True, blank=True, help_text=_("For a hazard notice.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    source_ref = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.occurred_on}"


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class GradeOverride(models.Model):
    """A manual grade with a reason; a second person approves it; it holds until a day."""

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="grade_overrides"
    )
    grade = models.CharField(_("grade"), max_length=3, choices=Grade.choices)
    reason = models.CharField(_("reason"), max_length=500)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("grade override")
        verbose_name_plural = _("grade overrides")

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.grade} ({self.status})"


class ReviewRequest(models.Model):
    """A customer's request for an explanation of their grade or a human review of it
    (PIPL art. 24), tracked to its answer."""

    class Kind(models.TextChoices):
        EXPLANATION = "explanation", _("Explanation")
        HUMAN_REVIEW = "human_review", _("Human review")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    class Outcome(models.TextChoices):
        EXPLAINED = "explained", _("Explained")
        CONFIRMED = "confirmed", _("Grade confirmed")
        CHANGED = "changed", _("Grade changed by override")

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="credit_reviews"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    grade_at_request = models.CharField(_("grade when asked"), max_length=3, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    due_on = models.DateField(_("answer due"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), max_length=4000, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("credit review request")
        verbose_name_plural = _("credit review requests")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} ({self.status})"


class PolicyVersion(PublishedVersion):
    """One published version of the credit policies (R7); superseded, never edited."""

    class Meta(PublishedVersion.Meta):
        constraints = [models.UniqueConstraint(fields=["number"], name="credit_policy_version")]
        verbose_name = _("credit policy version")
        verbose_name_plural = _("credit policy versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class Deposit(models.TextChoices):
    NONE = "none", _("None")
    DEPOSIT = "deposit", _("Deposit")
    PREPAID = "prepaid", _("Prepaid metering")


class PolicyRule(models.Model):
    """What a grade (and, optionally, a segment) gets; a segment's own row wins over the
    grade's row for every segment."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="rules")
    grade = models.CharField(_("grade"), max_length=3, choices=Grade.choices)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, blank=True)
    payment_term_days = models.PositiveSmallIntegerField(
        _("payment term (days)"), validators=[MinValueValidator(5), MaxValueValidator(90)]
    )
    grace_eligible = models.BooleanField(_("may get a grace extension"), default=False)
    grace_max_days = models.PositiveSmallIntegerField(
        _("grace up to (days)"), default=0, validators=[MaxValueValidator(60)]
    )
    grace_needs_approval = models.BooleanField(_("grace needs approval"), default=True)
    deposit = models.CharField(
        _("deposit or prepaid"), max_length=10, choices=Deposit.choices, default=Deposit.NONE
    )
    deposit_months = models.PositiveSmallIntegerField(
        _("deposit (months of bills)"), default=0, validators=[MaxValueValidator(6)]
    )
    connection_priority = models.BooleanField(_("priority for 过户 / 新装"), default=False)
    outage_notice_days = models.PositiveSmallIntegerField(
        _("planned outage notice (days ahead)"),
        default=7,
        validators=[MinValueValidator(7), MaxValueValidator(60)],
    )
    watch_actions = models.JSONField(_("watch-list actions"), default=list, blank=True)

    class Meta:
        ordering = ["version", "grade", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "grade", "segment"], name="credit_policy_rule_unique"
            )
        ]
        verbose_name = _("credit policy rule")
        verbose_name_plural = _("credit policy rules")

    def __str__(self) -> str:
        return f"{self.version} {self.grade} {self.segment or '*'}"
