"""Load knowledge and orderly power use (R3, R8): time-of-use configuration, declared
production data, typical curves, plans, per-customer schedules, their notices and the
execution check."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from gridcrm.archive.choices import TariffCategory
from gridcrm.core.audit import AuditEvent
from gridcrm.core.formats import label_of

_NONNEG = [MinValueValidator(0)]


def _kw(label: StrOrPromise) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        label, max_digits=10, decimal_places=1, default=Decimal(0), validators=_NONNEG
    )


def _hours(label: StrOrPromise, default: int) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        label,
        max_digits=4,
        decimal_places=1,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )


class TouPeriod(models.TextChoices):
    SHARP = "sharp", _("Critical peak")
    PEAK = "peak", _("Peak")
    FLAT = "flat", _("Flat")
    VALLEY = "valley", _("Valley")


class TouSchedule(models.Model):
    """The time-of-use clock of a region for some months, from a date on (分时电价时段).

    ``hours`` holds the period of each local hour (24 names, hour 0 first). Prices are
    ratios to the flat price; the critical peak is a ratio to the peak price and applies
    to the tariff categories in ``sharp_tariffs``.
    """

    region = models.ForeignKey(
        "users.Region",
        on_delete=models.PROTECT,
        related_name="tou_schedules",
        verbose_name=_("region"),
    )
    name = models.CharField(_("name"), max_length=100)
    months = models.JSONField(_("months"), default=list)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    hours = models.JSONField(_("periods by hour"), default=list)
    peak_ratio = models.DecimalField(
        _("peak ÷ flat"), max_digits=4, decimal_places=2, default=Decimal("1.60")
    )
    valley_ratio = models.DecimalField(
        _("valley ÷ flat"), max_digits=4, decimal_places=2, default=Decimal("0.45")
    )
    sharp_ratio = models.DecimalField(
        _("critical peak ÷ peak"), max_digits=4, decimal_places=2, default=Decimal("1.20")
    )
    sharp_tariffs = models.JSONField(_("tariff categories with a critical peak"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region", "-effective_from", "pk"]
        verbose_name = _("time-of-use schedule")
        verbose_name_plural = _("time-of-use schedules")
        permissions = [("manage_tou", _("Can configure time-of-use periods"))]

    def __str__(self) -> str:
        return f"{self.region} · {self.name} · {self.effective_from}"

    @property
    def sharp_tariff_labels(self) -> list[str]:
        """The tariff categories with a critical peak, in words."""
        return [label_of(TariffCategory, code) for code in self.sharp_tariffs]


class Protection(models.TextChoices):
    """Where a customer stands in the order of orderly power use."""

    AUTO = "auto", _("From the archive")
    PRIORITY = "priority", _("Limited first")
    NORMAL = "normal", _("Ordinary")
    PROTECTED = "protected", _("Protected")


class ProductionProfile(models.Model):
    """A customer's declared production data (R3): the load that must never be cut
    (保安负荷), the load that can move or be shed and with how much notice."""

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, related_name="production_profile"
    )
    security_load_kw = _kw(_("security load (kW)"))
    typical_load_kw = models.DecimalField(
        _("typical load (kW)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_NONNEG,
        help_text=_("Used when the customer has no interval readings."),
    )
    shiftable_kw = _kw(_("shiftable load (kW)"))
    shift_notice_hours = _hours(_("notice to shift (hours)"), 24)
    shift_max_hours = models.DecimalField(
        _("longest shift a day (hours)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    curtailable_kw = _kw(_("curtailable load (kW)"))
    curtail_notice_hours = _hours(_("notice to avoid the peak (hours)"), 2)
    curtail_max_hours = models.DecimalField(
        _("longest peak avoidance a day (hours)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    interruptible_kw = _kw(_("interruptible load (kW)"))
    interrupt_notice_hours = _hours(_("notice to limit (hours)"), 1)
    interruptible_processes = models.CharField(
        _("interruptible processes"), max_length=300, blank=True
    )
    output_value_per_kwh = models.DecimalField(
        _("output value per kWh (yuan)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_NONNEG,
    )
    protection = models.CharField(
        _("protection"), max_length=10, choices=Protection.choices, default=Protection.AUTO
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("declared production data")
        verbose_name_plural = _("declared production data")
        permissions = [("edit_production_data", _("Can edit declared production data"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(security_load_kw__gte=0)
                & models.Q(shiftable_kw__gte=0)
                & models.Q(curtailable_kw__gte=0)
                & models.Q(interruptible_kw__gte=0),
                name="load_profile_nonnegative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.security_load_kw} kW security"


class TypicalCurve(models.Model):
    """A customer's mean demand per 15-minute slot for a season and a day type, from the
    lake, and the named pattern its normalised curve falls into."""

    class Season(models.TextChoices):
        SUMMER = "summer", _("Summer")
        WINTER = "winter", _("Winter")
        SPRING_AUTUMN = "spring_autumn", _("Spring and autumn")

    class DayType(models.TextChoices):
        WORKDAY = "workday", _("Workday")
        WEEKEND = "weekend", _("Weekend")

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="typical_curves"
    )
    season = models.CharField(_("season"), max_length=15, choices=Season.choices)
    day_type = models.CharField(_("day type"), max_length=10, choices=DayType.choices)
    kw = models.JSONField(_("demand by slot (kW)"))
    days = models.PositiveIntegerField(_("days measured"))
    pattern = models.CharField(_("pattern"), max_length=30, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("typical daily curve")
        verbose_name_plural = _("typical daily curves")
        permissions = [("view_load_knowledge", _("Can see load knowledge and compositions"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "season", "day_type"], name="load_typical_curve_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.season} {self.day_type}"


class WarningLevel(models.TextChoices):
    NONE = "", _("No gap")
    I = "I", _("I (red)")  # noqa: E741
    II = "II", _("II (orange)")
    III = "III", _("III (yellow)")
    IV = "IV", _("IV (blue)")


class Plan(models.Model):
    """A peak-shifting / orderly-use plan (有序用电方案) for a region and some days."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SOLVED = "solved", _("Solved")
        INFEASIBLE = "infeasible", _("Infeasible")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "users.Region",
        on_delete=models.PROTECT,
        related_name="load_plans",
        verbose_name=_("region"),
    )
    days = models.JSONField(_("days"), default=list)
    gap_kw = models.JSONField(_("expected gap by slot (kW)"), default=list)
    """96 values applied to every day of the plan."""
    peak_demand_kw = models.FloatField(_("expected peak demand (kW)"))
    warning_level = models.CharField(
        _("warning level"), max_length=3, choices=WarningLevel.choices, blank=True
    )
    fairness_cap = models.FloatField(
        _("largest share of a customer's load"),
        default=0.6,
        validators=[MinValueValidator(0.05), MaxValueValidator(1)],
    )
    rotation_weight = models.FloatField(
        _("rotation weight"), default=0.5, validators=[MinValueValidator(0)]
    )
    pinned = models.JSONField(_("pinned customers"), default=list, blank=True)
    excluded = models.JSONField(_("excluded customers"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    objective = models.FloatField(_("weighted harm (objective)"), null=True, blank=True)
    harm = models.FloatField(_("weighted harm"), null=True, blank=True)
    shortfall_kw = models.JSONField(_("shortfall by day and slot (kW)"), default=dict, blank=True)
    covered_kw = models.JSONField(_("closed by day and slot (kW)"), default=dict, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    checked_at = models.DateTimeField(_("execution checked"), null=True, blank=True)
    compliance = models.FloatField(_("compliance"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("orderly-use plan")
        verbose_name_plural = _("orderly-use plans")
        permissions = [
            ("view_plans", _("Can see orderly-use plans")),
            ("make_plans", _("Can make and publish orderly-use plans")),
        ]

    def __str__(self) -> str:
        return self.name


# The measures of orderly power use (GLOSSARY: 错峰 / 避峰 / 限电), as ``Schedule.action``
# stores them.
MEASURE_LABELS = {"shift": _("shift"), "avoid": _("avoid the peak"), "limit": _("limit")}


class Schedule(models.Model):
    """One customer's part of a plan on one day: kW to shed per action and slot."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="schedules")
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="load_schedules"
    )
    day = models.DateField(_("day"))
    shift_kw = models.JSONField(default=list)
    avoid_kw = models.JSONField(default=list)
    limit_kw = models.JSONField(default=list)
    baseline_kw = models.JSONField(default=list)
    security_kw = models.FloatField(_("security load (kW)"))
    reduction_kwh = models.FloatField(_("energy to shed (kWh)"))
    max_kw = models.FloatField(_("largest reduction (kW)"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    action = models.CharField(_("measure"), max_length=10)
    pinned = models.BooleanField(_("pinned"), default=False)
    # The execution check, after the day.
    compliance = models.FloatField(_("compliance"), null=True, blank=True)
    delivered_kwh = models.FloatField(_("energy shed (kWh)"), null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "customer"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "customer", "day"], name="load_schedule_once_per_day"
            )
        ]
        indexes = [models.Index(fields=["customer", "day"])]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.customer_id} {self.day}"

    @property
    def action_label(self) -> str:
        """The measure in words (错峰, 避峰, 限电)."""
        return str(MEASURE_LABELS.get(self.action, self.action))


class ScheduleNotice(models.Model):
    """The notice of a published plan to one affected customer, with its schedule."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="load_notices"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=10, default="in_app")
    lead_hours = models.FloatField(_("hours ahead"))
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("schedule notice")
        verbose_name_plural = _("schedule notices")
        constraints = [
            models.UniqueConstraint(fields=["plan", "customer"], name="load_notice_once")
        ]

    def __str__(self) -> str:
        return self.title


class LoadEvent(AuditEvent):
    """The audit trail of the load app: who did what to which plan or profile. Written
    only through ``gridcrm.load.events``; ``text`` is the short summary the pages show."""

    class Kind(models.TextChoices):
        PROFILE_SAVED = "profile_saved", _("Declared production data saved")
        PLAN_CREATED = "plan_created", _("Plan created")
        PLAN_SOLVED = "plan_solved", _("Plan solved")
        PLAN_INFEASIBLE = "plan_infeasible", _("Plan infeasible")
        PLAN_PIN = "plan_pin", _("Customer pinned")
        PLAN_UNPIN = "plan_unpin", _("Customer released")
        PLAN_EXCLUDE = "plan_exclude", _("Customer excluded")
        PLAN_INCLUDE = "plan_include", _("Customer included")
        PLAN_PUBLISHED = "plan_published", _("Plan published")
        PLAN_CHECKED = "plan_checked", _("Plan execution checked")
        TOU_DEFAULTS_INSTALLED = "tou_defaults_installed", _("Time-of-use defaults installed")
        CURVES_REFRESHED = "curves_refreshed", _("Typical curves computed")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, null=True, related_name="events")
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, null=True, related_name="+"
    )
    text = models.CharField(max_length=500, blank=True)

    class Meta(AuditEvent.Meta):
        verbose_name = _("load event")
        verbose_name_plural = _("load events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
