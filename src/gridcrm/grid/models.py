"""The customer-side grid registry: substations → feeders → transformers → metering points
and meters → customers, each customer's supply sources and emergency power, and the
published configuration that important customers (重要电力用户) must meet.

Every row is keyed by the code the GIS/PMS export uses, so a re-import updates in place.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import MeterKind
from gridcrm.core.audit import AuditEvent
from gridcrm.core.versioning import PublishedVersion


class TestedEquipment(models.Model):
    """Equipment tested at intervals (a transformer's preventive test, emergency power's
    start-up test): the date of its last test, which the safety checks hold against
    ``rules.TEST_INTERVAL_MONTHS[TEST_INTERVAL]`` (``grid.risks``). Blank: never tested as
    far as the registry knows. (A meter's verification has a due date of its own.)"""

    TEST_INTERVAL: ClassVar[str]

    last_test_on = models.DateField(_("last test"), null=True, blank=True)

    class Meta:
        abstract = True


class Substation(models.Model):
    """A substation (变电站). ``region`` is the district or supply station it serves: a
    customer of another region may not be fed from it (a topology check of the import)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    voltage = models.CharField(_("voltage"), max_length=20, default="110/10 kV")
    region = models.ForeignKey(
        "users.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("substation")
        verbose_name_plural = _("substations")
        permissions = [
            ("view_registry", _("Can view the grid registry")),
            ("edit_registry", _("Can import into the grid registry and set its rules")),
            ("enter_outage", _("Can enter unplanned outages")),
        ]

    def __str__(self) -> str:
        return self.name


class Feeder(models.Model):
    """A 10 kV line (线路) leaving a substation; a branch line names its trunk as ``parent``
    (same substation, no cycles: both checked by the import and the services)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    substation = models.ForeignKey(
        Substation, on_delete=models.PROTECT, related_name="feeders", verbose_name=_("substation")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name=_("trunk line"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("feeder")
        verbose_name_plural = _("feeders")

    def __str__(self) -> str:
        return self.name


class Transformer(TestedEquipment):
    """A distribution transformer on a feeder: public (公变, many customers behind it) or
    dedicated (专变, one customer's own)."""

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("Public transformer")
        DEDICATED = "dedicated", _("Dedicated transformer")

    class Kind(models.TextChoices):
        OIL = "oil", _("Oil-immersed")
        DRY = "dry", _("Dry-type")
        AMORPHOUS = "amorphous", _("Amorphous alloy")
        BOX = "box", _("Box-type substation")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    feeder = models.ForeignKey(
        Feeder, on_delete=models.PROTECT, related_name="transformers", verbose_name=_("feeder")
    )
    ownership = models.CharField(_("ownership"), max_length=10, choices=Ownership.choices)
    kva = models.DecimalField(_("capacity (kVA)"), max_digits=8, decimal_places=1)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.OIL)
    year = models.PositiveSmallIntegerField(_("year made"), null=True, blank=True)

    TEST_INTERVAL = "transformer"

    class Meta:
        ordering = ["code"]
        verbose_name = _("transformer")
        verbose_name_plural = _("transformers")

    def __str__(self) -> str:
        return self.name or self.code


class MeteringPoint(models.Model):
    """Where one customer's supply is metered (计量点), on one transformer."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "archive.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
    )
    transformer = models.ForeignKey(
        Transformer,
        on_delete=models.PROTECT,
        related_name="metering_points",
        verbose_name=_("transformer"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("metering point")
        verbose_name_plural = _("metering points")

    def __str__(self) -> str:
        return self.code


class Meter(models.Model):
    """An energy meter installed at a metering point; the serial is the meter's identity,
    so one meter can never be on two customers."""

    serial = models.CharField(_("serial number"), max_length=30, unique=True)
    point = models.ForeignKey(
        MeteringPoint,
        on_delete=models.CASCADE,
        related_name="meters",
        verbose_name=_("metering point"),
    )
    kind = models.CharField(_("meter kind"), max_length=20, choices=MeterKind.choices)
    ct_ratio = models.CharField(_("CT ratio"), max_length=20, blank=True)
    pt_ratio = models.CharField(_("PT ratio"), max_length=20, blank=True)
    accuracy_class = models.CharField(_("accuracy class"), max_length=10, blank=True)
    installed_on = models.DateField(_("installed"), null=True, blank=True)
    verification_due = models.DateField(_("verification due"), null=True, blank=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("meter")
        verbose_name_plural = _("meters")

    def __str__(self) -> str:
        return self.serial


class SupplySource(models.Model):
    """One feeder that supplies a customer. The customer's configuration (single, dual
    circuit, dual source, three sources) follows from its sources (``selectors``)."""

    customer = models.ForeignKey(
        "archive.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
    )
    feeder = models.ForeignKey(
        Feeder, on_delete=models.PROTECT, related_name="sources", verbose_name=_("feeder")
    )

    class Meta:
        ordering = ["customer", "feeder"]
        verbose_name = _("supply source")
        verbose_name_plural = _("supply sources")
        constraints = [
            models.UniqueConstraint(fields=["customer", "feeder"], name="grid_source_once")
        ]
        # Outage impact reads "the customers behind these feeders": the feeder first.
        indexes = [models.Index(fields=["feeder", "customer"], name="grid_source_feeder")]

    def __str__(self) -> str:
        return f"{self.customer_id} ← {self.feeder_id}"


class EmergencyPower(TestedEquipment):
    """A customer's own emergency power (自备应急电源)."""

    class Kind(models.TextChoices):
        GENERATOR = "generator", _("Generator")
        UPS = "ups", _("UPS")
        EPS = "eps", _("EPS")

    code = models.CharField(_("code"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "archive.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    kw = models.DecimalField(_("capacity (kW)"), max_digits=8, decimal_places=1)
    start_seconds = models.PositiveIntegerField(_("start time (s)"), null=True, blank=True)

    TEST_INTERVAL = "emergency"

    class Meta:
        ordering = ["code"]
        verbose_name = _("emergency power")
        verbose_name_plural = _("emergency power")

    def __str__(self) -> str:
        return self.code


class ImportanceRules(PublishedVersion):
    """A published version of what each important-customer class requires (GB/Z 29328).
    ``rows`` holds one ``rules.ClassRule`` per class, validated on publish."""

    rows = models.JSONField(_("rules"), default=list)

    class Meta(PublishedVersion.Meta):
        verbose_name = _("important-customer rules")
        verbose_name_plural = _("important-customer rules")
        constraints = [models.UniqueConstraint(fields=["number"], name="grid_rules_number")]

    def __str__(self) -> str:
        return f"v{self.number}"


class Outage(models.Model):
    """An unplanned outage (故障停电) entered by staff on one substation, feeder or
    transformer; entering it notified the customers behind it and opened the repair
    request whose number it keeps."""

    substation = models.ForeignKey(
        Substation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    feeder = models.ForeignKey(
        Feeder, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transformer = models.ForeignKey(
        Transformer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    description = models.CharField(_("description"), max_length=300)
    customers = models.PositiveIntegerField(_("customers affected"), default=0)
    notice_id = models.PositiveIntegerField(null=True, blank=True)
    request_no = models.CharField(_("repair request"), max_length=30, blank=True)
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)
    entered_by = models.ForeignKey(
        "users.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("unplanned outage")
        verbose_name_plural = _("unplanned outages")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.description}"


class LoadMonth(models.Model):
    """One transformer's load in one local month, from the lake's readings (the health
    job, ``grid.health``): heavy-load (> 80 %) and overload (> 100 %) events of 2 hours
    or more."""

    transformer = models.ForeignKey(
        Transformer, on_delete=models.CASCADE, related_name="load_months"
    )
    month = models.DateField(_("month"))
    intervals = models.PositiveIntegerField(_("metered intervals"), default=0)
    max_load_rate = models.FloatField(_("highest load rate"), null=True)
    power_factor = models.FloatField(_("power factor"), null=True)
    heavy_events = models.PositiveIntegerField(_("heavy-load events"), default=0)
    heavy_hours = models.FloatField(_("heavy-load hours"), default=0.0)
    overload_events = models.PositiveIntegerField(_("overload events"), default=0)
    overload_hours = models.FloatField(_("overload hours"), default=0.0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["transformer", "-month"]
        verbose_name = _("transformer load month")
        verbose_name_plural = _("transformer load months")
        constraints = [
            models.UniqueConstraint(fields=["transformer", "month"], name="grid_load_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.transformer_id} {self.month:%Y-%m}"


class Health(models.Model):
    """The latest health score (0–100) of one customer, transformer or feeder, with its
    reason codes ``[[code, points lost], …]`` (most points first) and the figures they
    come from; written by the daily health job (``grid.health``)."""

    class Element(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        TRANSFORMER = "transformer", _("Transformer")
        FEEDER = "feeder", _("Feeder")

    element = models.CharField(_("element"), max_length=12, choices=Element.choices)
    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, null=True, related_name="+"
    )
    transformer = models.OneToOneField(
        Transformer, on_delete=models.CASCADE, null=True, related_name="health"
    )
    feeder = models.OneToOneField(
        Feeder, on_delete=models.CASCADE, null=True, related_name="health"
    )
    score = models.PositiveSmallIntegerField(_("health score"))
    reasons = models.JSONField(_("reasons"), default=list)
    figures = models.JSONField(_("figures"), default=dict)
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("health score")
        verbose_name_plural = _("health scores")

    def __str__(self) -> str:
        return f"{self.element} {self.score}"


class GridEvent(AuditEvent):
    """The grid app's audit trail, written only through ``gridcrm.grid.events``."""

    class Kind(models.TextChoices):
        IMPORTED = "imported", _("Registry imported")
        RULES_PUBLISHED = "rules_published", _("Important-customer rules published")
        OUTAGE_ENTERED = "outage_entered", _("Unplanned outage entered")
        HEALTH_COMPUTED = "health_computed", _("Grid health computed")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, null=True, related_name="+"
    )
    text = models.CharField(max_length=500, blank=True)

    class Meta(AuditEvent.Meta):
        verbose_name = _("grid event")
        verbose_name_plural = _("grid events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
