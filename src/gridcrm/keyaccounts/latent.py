"""Latent-need rules over data GridCRM already holds; each suggestion carries its evidence.

Rules are pure functions of a customer and their monthly load features (latest last);
``suggestions_for`` runs them all for one account and leaves out the rules that already
have an open latent need on that account.

Not yet covered: a poor power factor (the lake's readings carry it, but the monthly
features do not aggregate it yet), repeated outages on the customer's line, and topics
mined from visit notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.models import Customer
from gridcrm.keyaccounts.models import KeyAccount, Need, Origin, Stage, Topic
from gridcrm.lake.models import MonthlyLoadFeature

# Maximum demand at or above this share of the contracted capacity suggests more capacity.
CAPACITY_USE_RATIO = 0.85
# Critical-peak plus peak consumption at or above this share suggests shifting or storage
# (a flat round-the-clock load puts about 0.37 into Shanxi's peak and critical-peak hours).
PEAK_SHARE = 0.45
# The latest three months at least this much above the same months a year before.
GROWTH_RATIO = 1.20
MIN_MONTHS = 3

OPEN_STAGES = (Stage.REPORTED, Stage.ANALYSED, Stage.PROPOSED, Stage.CONFIRMED)


@dataclass(frozen=True)
class Suggestion:
    rule: str
    title: str | Promise
    topic: str
    evidence: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[Customer, Sequence[MonthlyLoadFeature]], Suggestion | None]


def capacity_headroom(
    customer: Customer, features: Sequence[MonthlyLoadFeature]
) -> Suggestion | None:
    """Maximum demand (archive, or the lake's last 12 months) near the contracted capacity."""
    kva = float(customer.contracted_kva or 0)
    if kva <= 0:
        return None
    candidates: list[tuple[float, str]] = []
    if customer.max_demand_kw is not None:
        candidates.append((float(customer.max_demand_kw), "archive"))
    lake = [f.max_demand_kw for f in features[-12:] if f.max_demand_kw is not None]
    if lake:
        candidates.append((max(lake), "lake"))
    if not candidates:
        return None
    demand, source = max(candidates)
    ratio = demand / kva
    if ratio < CAPACITY_USE_RATIO:
        return None
    return Suggestion(
        rule="capacity_headroom",
        title=_("Capacity increase or demand management"),
        topic=Topic.CAPACITY_CHANGE,
        evidence={
            "max_demand_kw": round(demand, 1),
            "contracted_kva": round(kva, 1),
            "ratio": round(ratio, 3),
            "threshold": CAPACITY_USE_RATIO,
            "source": source,
        },
    )


def peak_share(customer: Customer, features: Sequence[MonthlyLoadFeature]) -> Suggestion | None:
    """A large share of the last 12 months' consumption in critical-peak and peak hours."""
    recent = features[-12:]
    total = sum(f.kwh_total for f in recent)
    if len(recent) < MIN_MONTHS or total <= 0:
        return None
    peak = sum(f.kwh_sharp + f.kwh_peak for f in recent)
    share = peak / total
    if share < PEAK_SHARE:
        return None
    return Suggestion(
        rule="peak_share",
        title=_("Shift load to valley hours or add energy storage"),
        topic=Topic.ENERGY_EFFICIENCY,
        evidence={
            "peak_kwh": round(peak),
            "total_kwh": round(total),
            "share": round(share, 3),
            "threshold": PEAK_SHARE,
            "months": len(recent),
        },
    )


def _year_before(month: dt.date) -> dt.date:
    return month.replace(year=month.year - 1)


def growth(customer: Customer, features: Sequence[MonthlyLoadFeature]) -> Suggestion | None:
    """The latest three months' consumption well above the same months a year before."""
    by_month = {f.month: f.kwh_total for f in features}
    latest = features[-MIN_MONTHS:]
    if len(latest) < MIN_MONTHS:
        return None
    before = [by_month.get(_year_before(f.month)) for f in latest]
    if any(value is None for value in before):
        return None
    now_kwh = sum(f.kwh_total for f in latest)
    then_kwh = sum(v for v in before if v is not None)
    if then_kwh <= 0:
        return None
    ratio = now_kwh / then_kwh
    if ratio < GROWTH_RATIO:
        return None
    return Suggestion(
        rule="growth",
        title=_("Expansion project: consumption is growing"),
        topic=Topic.NEW_PROJECT,
        evidence={
            "from_month": latest[0].month.isoformat(),
            "to_month": latest[-1].month.isoformat(),
            "kwh": round(now_kwh),
            "kwh_year_before": round(then_kwh),
            "ratio": round(ratio, 3),
            "threshold": GROWTH_RATIO,
        },
    )


RULES: dict[str, Rule] = {
    "capacity_headroom": capacity_headroom,
    "peak_share": peak_share,
    "growth": growth,
}


def features_of(customer: Customer) -> list[MonthlyLoadFeature]:
    """The customer's last 24 monthly features, oldest first."""
    rows = list(MonthlyLoadFeature.objects.filter(customer=customer).order_by("-month")[:24])
    return rows[::-1]


def evaluate(customer: Customer, features: Sequence[MonthlyLoadFeature]) -> list[Suggestion]:
    """Every rule's suggestion for this customer, in rule order."""
    found = (rule(customer, features) for rule in RULES.values())
    return [s for s in found if s is not None]


def suggestions_for(*, account: KeyAccount) -> list[Suggestion]:
    """Suggestions for one account, without the rules it already has an open latent need of."""
    taken = set(
        Need.objects.filter(
            key_account=account, origin=Origin.LATENT, stage__in=OPEN_STAGES
        ).values_list("rule", flat=True)
    )
    customer = account.customer
    return [s for s in evaluate(customer, features_of(customer)) if s.rule not in taken]
