"""Completeness (R12): a score per customer, weighted by tier, over the fields that apply."""

from __future__ import annotations

from collections.abc import Sequence

from gridcrm.archive.models import Customer
from gridcrm.archive.registry import TIER_WEIGHTS, FieldSpec, Tier


def applicable(customer: Customer, specs: Sequence[FieldSpec]) -> list[FieldSpec]:
    """The specs that apply to this customer and are filled by people or imports."""
    return [s for s in specs if s.applies(customer) and s.name != "segment"]


def missing_fields(customer: Customer, specs: Sequence[FieldSpec], tier: Tier) -> list[FieldSpec]:
    """Applicable fields of one tier that hold no value."""
    return [
        s for s in applicable(customer, specs) if s.tier == tier and s.is_blank(s.get(customer))
    ]


def completeness_score(customer: Customer, specs: Sequence[FieldSpec]) -> int:
    """Share of the tier-weighted applicable fields that hold a value, 0–100."""
    total = filled = 0
    for s in applicable(customer, specs):
        weight = TIER_WEIGHTS[s.tier]
        total += weight
        if not s.is_blank(s.get(customer)):
            filled += weight
    return round(100 * filled / total) if total else 100
