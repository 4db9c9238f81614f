"""The roster rules: which customers of the archive are key accounts, and their tier.

Rules read archive fields only, so the roster follows the archive:
- ``high_voltage_capacity`` — supplied at 10 kV or above with a contracted capacity of
  at least 1000 kVA;
- ``annual_kwh`` — annual consumption above ``ANNUAL_KWH_THRESHOLD``;
- ``important_customer`` — any important-customer class (special, I, II, temporary).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import ImportanceClass, VoltageLevel
from gridcrm.keyaccounts.models import Tier

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer

HIGH_VOLTAGES = (VoltageLevel.KV10, VoltageLevel.KV35, VoltageLevel.KV110, VoltageLevel.KV220)
CAPACITY_KVA = Decimal("1000")
ANNUAL_KWH_THRESHOLD = Decimal("5000000")
IMPORTANT_CLASSES = (
    ImportanceClass.SPECIAL,
    ImportanceClass.CLASS_I,
    ImportanceClass.CLASS_II,
    ImportanceClass.TEMPORARY,
)

# Visit at least this often (days) by tier, unless the account sets its own interval.
VISIT_INTERVAL_DAYS: dict[int, int] = {Tier.ONE: 30, Tier.TWO: 60, Tier.THREE: 90}


@dataclass(frozen=True)
class RosterRule:
    code: str
    label: str | Promise
    q: Q


RULES: tuple[RosterRule, ...] = (
    RosterRule(
        "high_voltage_capacity",
        _("10 kV or above and at least 1000 kVA"),
        Q(voltage_level__in=HIGH_VOLTAGES, contracted_kva__gte=CAPACITY_KVA),
    ),
    RosterRule(
        "annual_kwh",
        _("Annual consumption above the threshold"),
        Q(annual_kwh__gt=ANNUAL_KWH_THRESHOLD),
    ),
    RosterRule(
        "important_customer",
        _("Important customer"),
        Q(importance_class__in=IMPORTANT_CLASSES),
    ),
)
RULE_LABELS = {rule.code: rule.label for rule in RULES}


def qualifying_q() -> Q:
    """Customers meeting at least one roster rule."""
    q = Q(pk__in=[])
    for rule in RULES:
        q |= rule.q
    return q


def rules_met(customer: Customer) -> list[str]:
    """The codes of the rules this customer meets, in rule order."""
    met = []
    kva = customer.contracted_kva
    if customer.voltage_level in HIGH_VOLTAGES and kva is not None and kva >= CAPACITY_KVA:
        met.append("high_voltage_capacity")
    if customer.annual_kwh is not None and customer.annual_kwh > ANNUAL_KWH_THRESHOLD:
        met.append("annual_kwh")
    if customer.importance_class in IMPORTANT_CLASSES:
        met.append("important_customer")
    return met


def tier_for(customer: Customer) -> Tier:
    """Tier 1: special / class I important customers, ≥ 10 MVA or ≥ 50 GWh a year;
    tier 2: class II, ≥ 3150 kVA or ≥ 20 GWh; tier 3: the rest of the roster."""
    kva = customer.contracted_kva or Decimal(0)
    kwh = customer.annual_kwh or Decimal(0)
    importance = customer.importance_class
    if (
        importance in (ImportanceClass.SPECIAL, ImportanceClass.CLASS_I)
        or kva >= 10000
        or kwh >= 50_000_000
    ):
        return Tier.ONE
    if importance == ImportanceClass.CLASS_II or kva >= 3150 or kwh >= 20_000_000:
        return Tier.TWO
    return Tier.THREE
