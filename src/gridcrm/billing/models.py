"""The billing app's tables: the late-fee rule as published versions, and each customer's
account as of a day (balance, arrears by age, late fees), from the lake's pipeline.

Bills and payments themselves stay in the lake (the billing system is their system of
record); this app keeps only what is derived from them for pages and worklists.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent
from gridcrm.core.versioning import PublishedVersion


def _rate(label: Any) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=6, decimal_places=3)


class LateFeeRuleVersion(PublishedVersion):
    """One published version of the late-fee rule (电费违约金); superseded, never edited."""

    residential_per_mille = _rate(_("residential, ‰ a day"))
    current_year_per_mille = _rate(_("other customers, current year, ‰ a day"))
    across_years_per_mille = _rate(_("other customers, across years, ‰ a day"))
    minimum_yuan = models.DecimalField(_("minimum fee (yuan)"), max_digits=8, decimal_places=2)
    source = models.CharField(_("source article"), max_length=300)

    class Meta(PublishedVersion.Meta):
        constraints = [models.UniqueConstraint(fields=["number"], name="billing_late_fee_version")]
        verbose_name = _("late-fee rule version")
        verbose_name_plural = _("late-fee rule versions")
        permissions = [("manage_late_fees", _("Can publish the late-fee rule"))]

    def __str__(self) -> str:
        return f"v{self.number}"


class AccountBalance(models.Model):
    """A customer's account as of a day (pipeline ``account_balances``): what is owed in
    all, the arrears past their (credit-shifted) due dates by age, and the late fees
    accrued on them. Negative ``balance``: money in advance on the account."""

    customer = models.OneToOneField(
        "archive.Customer", on_delete=models.CASCADE, related_name="account_balance"
    )
    as_of = models.DateField(_("as of"))
    balance = models.DecimalField(_("balance (yuan)"), max_digits=14, decimal_places=2)
    arrears = models.DecimalField(_("arrears (yuan)"), max_digits=14, decimal_places=2)
    arrears_0_30 = models.DecimalField(_("overdue up to 30 days"), max_digits=14, decimal_places=2)
    arrears_31_90 = models.DecimalField(_("overdue 31–90 days"), max_digits=14, decimal_places=2)
    arrears_over_90 = models.DecimalField(
        _("overdue over 90 days"), max_digits=14, decimal_places=2
    )
    overdue_bills = models.PositiveIntegerField(_("overdue bills"))
    oldest_due_on = models.DateField(_("oldest unpaid due date"), null=True)
    late_fees = models.DecimalField(_("late fees (yuan)"), max_digits=14, decimal_places=2)
    rules_version = models.PositiveIntegerField(_("late-fee rule version"))
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account balance")
        verbose_name_plural = _("account balances")
        indexes = [models.Index(fields=["-arrears"], name="billing_arrears_desc")]

    def __str__(self) -> str:
        return f"{self.customer.account_no} @ {self.as_of}"


class BillingEvent(AuditEvent):
    """What was done in billing: a late-fee rule published, balances computed."""

    class Kind(models.TextChoices):
        RULES_PUBLISHED = "rules_published", _("Late-fee rule published")
        BALANCES_COMPUTED = "balances_computed", _("Balances computed")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("billing event")
        verbose_name_plural = _("billing events")

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"
