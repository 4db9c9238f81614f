"""OLTP side of the lake: the record of each import, and the pipelines' results.

The facts themselves live in Parquet (see ``catalog``); these tables hold what the
UI needs to answer quickly: who imported what with which outcome, and per customer
the load features and payment behaviour the pipelines computed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LakeImport(models.Model):
    """One file imported (or refused) into one fact table, with its report.

    The row is the import's audit record: who (``created_by``) asked for which file when,
    and what came of it (``status``, the counts, ``finished_at``); it is created by the
    service that queues the import, in the same transaction as its job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        IMPORTED = "imported", _("Imported")
        UNCHANGED = "unchanged", _("Nothing new")
        FAILED = "failed", _("Failed")

    table = models.CharField(_("table"), max_length=20)
    source_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_read = models.PositiveBigIntegerField(_("rows read"), default=0)
    accepted = models.PositiveBigIntegerField(_("rows added"), default=0)
    already_present = models.PositiveBigIntegerField(_("already in the lake"), default=0)
    duplicates = models.PositiveBigIntegerField(_("duplicates in the file"), default=0)
    rejected = models.PositiveBigIntegerField(_("rows rejected"), default=0)
    reasons = models.JSONField(default=dict, blank=True)
    months = models.JSONField(default=list, blank=True)
    reject_file = models.CharField(max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The stable code of the refusal (``lake.…``, ``core.upload_…``) for API clients.
    error_code = models.CharField(max_length=60, blank=True)
    # When the kept upload and the reject file were deleted at the end of their retention.
    upload_expired_at = models.DateTimeField(null=True, blank=True)
    rejects_expired_at = models.DateTimeField(null=True, blank=True)
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="lake_import"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lake_imports"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lake import")
        verbose_name_plural = _("lake imports")
        permissions = [
            ("view_lake", _("Can see the fact lake")),
            ("import_facts", _("Can import facts into the lake")),
        ]

    def __str__(self) -> str:
        return f"{self.table} ← {self.source_name}"


class MonthlyLoadFeature(models.Model):
    """A customer's consumption and load shape in one month (pipeline ``customer_month_features``).

    Consumption comes from the bills; the shape (maximum demand, load factor,
    peak-valley difference, volatility) from 15-minute readings where the customer
    is metered, and is blank otherwise.
    """

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="load_features"
    )
    month = models.DateField(_("month"))
    kwh_total = models.FloatField(_("consumption (kWh)"))
    kwh_sharp = models.FloatField(_("critical peak (kWh)"))
    kwh_peak = models.FloatField(_("peak (kWh)"))
    kwh_flat = models.FloatField(_("flat (kWh)"))
    kwh_valley = models.FloatField(_("valley (kWh)"))
    max_demand_kw = models.FloatField(_("maximum demand (kW)"), null=True)
    load_factor = models.FloatField(_("load factor"), null=True)
    peak_valley_diff_kw = models.FloatField(_("peak-valley difference (kW)"), null=True)
    volatility = models.FloatField(_("volatility of daily consumption"), null=True)
    mom_change = models.FloatField(_("change on the previous month"), null=True)
    yoy_change = models.FloatField(_("change on the same month last year"), null=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer", "month"]
        verbose_name = _("monthly load feature")
        verbose_name_plural = _("monthly load features")
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="lake_feature_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"

    @property
    def peak_share(self) -> float | None:
        """The share of the month's consumption in peak hours (``None`` without any)."""
        return self.kwh_peak / self.kwh_total if self.kwh_total else None


class PaymentBehaviour(models.Model):
    """A customer's payment record as of a day (pipeline ``payment_behaviour``)."""

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, related_name="payment_behaviour"
    )
    as_of = models.DateField(_("as of"))
    bills_12m = models.PositiveIntegerField(_("bills due in 12 months"))
    on_time_share_12m = models.FloatField(_("paid on time, 12 months"), null=True)
    mean_days_late_12m = models.FloatField(_("mean days late, 12 months"), null=True)
    max_days_late_12m = models.IntegerField(_("most days late, 12 months"), null=True)
    bills_24m = models.PositiveIntegerField(_("bills due in 24 months"))
    on_time_share_24m = models.FloatField(_("paid on time, 24 months"), null=True)
    mean_days_late_24m = models.FloatField(_("mean days late, 24 months"), null=True)
    max_days_late_24m = models.IntegerField(_("most days late, 24 months"), null=True)
    arrears = models.DecimalField(_("arrears (yuan)"), max_digits=14, decimal_places=2)
    overdue_bills = models.PositiveIntegerField(_("overdue bills"))
    partial_payments_24m = models.PositiveIntegerField(_("bills paid in parts, 24 months"))
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment behaviour")
        verbose_name_plural = _("payment behaviour")

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.as_of}"
