"""Latent-need rules over data GridCRM already holds; each suggestion carries its evidence.

Rules are pure functions of an ``AccountData`` — the customer, their monthly load
features, monthly power factor and outages (``facts``) and their visits (``topics``);
``account_data`` gathers it for many accounts in a few queries, ``suggestions_for`` runs
every rule for one account and leaves out the rules that already have an open latent
need on that account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import ImportanceClass, TariffCategory, VoltageLevel
from gridcrm.keyaccounts import facts, topics
from gridcrm.keyaccounts.models import KeyAccount, Need, Origin, Stage, Topic, Visit
from gridcrm.lake.selectors import load_features_of

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.lake.models import MonthlyLoadFeature

# Maximum demand at or above this share of the contracted capacity suggests more capacity.
CAPACITY_USE_RATIO = 0.85
# Critical-peak plus peak consumption at or above this share suggests shifting or storage
# (a flat round-the-clock load puts about 0.37 into Shanxi's peak and critical-peak hours).
PEAK_SHARE = 0.45
# The latest three months at least this much above the same months a year before.
GROWTH_RATIO = 1.20
MIN_MONTHS = 3
# The power-factor standards of the tariff adjustment (功率因数调整电费办法): 0.90 for
# high-voltage supply of 160 kVA and more, 0.80 for agriculture, 0.85 for the rest.
PF_STANDARD_HV = 0.90
PF_STANDARD_AGRICULTURE = 0.80
PF_STANDARD_OTHER = 0.85
PF_HV_KVA = 160
# Outages on this many different days within a year count as repeated.
REPEATED_OUTAGE_DAYS = 3
LOOKBACK_DAYS = 365
HIGH_VOLTAGES = (VoltageLevel.KV10, VoltageLevel.KV35, VoltageLevel.KV110, VoltageLevel.KV220)
DUAL_SUPPLY_CLASSES = (ImportanceClass.SPECIAL, ImportanceClass.CLASS_I, ImportanceClass.CLASS_II)

DUAL_SUPPLY_TITLE = _("Dual supply for an important customer: repeated outages")
RELIABILITY_TITLE = _("Supply reliability upgrade: repeated outages")

OPEN_STAGES = (Stage.REPORTED, Stage.ANALYSED, Stage.PROPOSED, Stage.CONFIRMED)


@dataclass(frozen=True)
class Suggestion:
    rule: str
    title: str | Promise
    topic: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountData:
    """Everything the rules read about one account."""

    customer: Customer
    today: dt.date
    features: Sequence[MonthlyLoadFeature] = ()
    """Monthly load features, oldest first."""
    power_factor: Sequence[facts.PowerFactorMonth] = ()
    """Monthly power factor from the lake, oldest first."""
    outages: Sequence[facts.OutageEvent] = ()
    """Outages that reached the customer in the last year, oldest first."""
    visits: Sequence[topics.VisitLike] = ()
    """The account's visits in the last year."""


Rule = Callable[[AccountData], Suggestion | None]


def capacity_headroom(data: AccountData) -> Suggestion | None:
    """Maximum demand (archive, or the lake's last 12 months) near the contracted capacity."""
    customer, features = data.customer, data.features
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
        title=RULE_TITLES["capacity_headroom"],
        topic=Topic.CAPACITY_CHANGE,
        evidence={
            "max_demand_kw": round(demand, 1),
            "contracted_kva": round(kva, 1),
            "ratio": round(ratio, 3),
            "threshold": CAPACITY_USE_RATIO,
            "source": source,
        },
    )


def peak_share(data: AccountData) -> Suggestion | None:
    """A large share of the last 12 months' consumption in critical-peak and peak hours."""
    recent = data.features[-12:]
    total = sum(f.kwh_total for f in recent)
    if len(recent) < MIN_MONTHS or total <= 0:
        return None
    peak = sum(f.kwh_sharp + f.kwh_peak for f in recent)
    share = peak / total
    if share < PEAK_SHARE:
        return None
    return Suggestion(
        rule="peak_share",
        title=RULE_TITLES["peak_share"],
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


def growth(data: AccountData) -> Suggestion | None:
    """The latest three months' consumption well above the same months a year before."""
    features = data.features
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
        title=RULE_TITLES["growth"],
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


def power_factor_standard(customer: Customer) -> float:
    """The power factor the tariff adjustment expects of this customer."""
    if customer.tariff_category == TariffCategory.AGRICULTURE:
        return PF_STANDARD_AGRICULTURE
    kva = float(customer.contracted_kva or 0)
    if customer.voltage_level in HIGH_VOLTAGES and kva >= PF_HV_KVA:
        return PF_STANDARD_HV
    return PF_STANDARD_OTHER


def power_factor(data: AccountData) -> Suggestion | None:
    """The last three months' power factor below the customer's standard."""
    recent = list(data.power_factor)[-MIN_MONTHS:]
    if len(recent) < MIN_MONTHS:
        return None
    overall = facts.PowerFactorMonth(
        recent[-1].month, sum(m.kwh for m in recent), sum(m.kvarh for m in recent)
    ).power_factor
    standard = power_factor_standard(data.customer)
    if overall >= standard:
        return None
    return Suggestion(
        rule="power_factor",
        title=RULE_TITLES["power_factor"],
        topic=Topic.ENERGY_EFFICIENCY,
        evidence={
            "power_factor": round(overall, 3),
            "standard": standard,
            "months": [f"{m.month:%Y-%m}: {m.power_factor:.3f}" for m in recent],
        },
    )


def repeated_outages(data: AccountData) -> Suggestion | None:
    """Outages reached the customer on several days of the last year: a reliability upgrade,
    or a second supply for an important customer."""
    since = data.today - dt.timedelta(days=LOOKBACK_DAYS)
    events = [e for e in data.outages if e.local_day >= since]
    days = sorted({e.local_day for e in events})
    if len(days) < REPEATED_OUTAGE_DAYS:
        return None
    important = data.customer.importance_class in DUAL_SUPPLY_CLASSES
    title = DUAL_SUPPLY_TITLE if important else RELIABILITY_TITLE
    sources: dict[str, int] = {}
    for e in events:
        sources[e.source] = sources.get(e.source, 0) + 1
    return Suggestion(
        rule="repeated_outages",
        title=title,
        topic=Topic.SUPPLY_QUALITY,
        evidence={
            "outage_days": len(days),
            "threshold": REPEATED_OUTAGE_DAYS,
            "days": [d.isoformat() for d in days],
            "sources": sources,
            "faults": sum(not e.planned for e in events),
            "important_customer": data.customer.importance_class if important else "",
        },
    )


RULE_TITLES = {
    "capacity_headroom": _("Capacity increase or demand management"),
    "peak_share": _("Shift load to valley hours or add energy storage"),
    "growth": _("Expansion project: consumption is growing"),
    "power_factor": _("Reactive power compensation: the power factor is below the standard"),
    "repeated_outages": RELIABILITY_TITLE,
}


def rule_label(rule: str) -> str:
    """A latent-need rule in words: the need it suggests (a theme of the visit notes by
    the theme's name)."""
    if rule.startswith(NOTES_PREFIX):
        theme = topics.THEME_BY_CODE.get(rule.removeprefix(NOTES_PREFIX))
        return str(theme.label) if theme is not None else rule
    return str(RULE_TITLES.get(rule, rule))


RULES: dict[str, Rule] = {
    "capacity_headroom": capacity_headroom,
    "peak_share": peak_share,
    "growth": growth,
    "power_factor": power_factor,
    "repeated_outages": repeated_outages,
}
# A theme of the visit notes that points to the same need as a data rule corroborates it
# instead of being suggested twice.
THEME_RULE = {
    "reactive_power": "power_factor",
    "reliability": "repeated_outages",
    "capacity": "capacity_headroom",
}
NOTES_PREFIX = "notes_"


def visit_topics(data: AccountData) -> list[Suggestion]:
    """A theme that recurs in the account's visit notes of the last year, with the visits
    and the words that showed it."""
    summary = topics.mine(topics.recent(data.visits, today=data.today))
    return [
        Suggestion(
            rule=f"{NOTES_PREFIX}{found.theme.code}",
            title=found.theme.need,
            topic=found.theme.topic,
            evidence={
                "theme": str(found.theme.label),
                "visits": [f"{v.visited_on:%Y-%m-%d} #{v.id}" for v in found.visits],
                "words": found.words_text,
            },
        )
        for found in summary.recurring_themes
    ]


def evaluate(data: AccountData) -> list[Suggestion]:
    """Every rule's suggestion for this account: the data rules in order, then the recurring
    themes of the visit notes (folded into a data rule that suggests the same need)."""
    found = [s for s in (rule(data) for rule in RULES.values()) if s is not None]
    by_rule = {s.rule: s for s in found}
    for suggestion in visit_topics(data):
        same = by_rule.get(THEME_RULE.get(suggestion.rule.removeprefix(NOTES_PREFIX), ""))
        if same is not None:
            same.evidence["visits"] = suggestion.evidence["visits"]
            same.evidence["words"] = suggestion.evidence["words"]
        else:
            found.append(suggestion)
    return found


def account_data(
    accounts: Sequence[KeyAccount], *, today: dt.date | None = None
) -> dict[int, AccountData]:
    """What the rules read for each account (by account pk), in a few queries."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=LOOKBACK_DAYS)
    customers = [a.customer for a in accounts]
    features = load_features_of(customer_ids=[c.pk for c in customers])
    pf = facts.power_factor_months([c.account_no for c in customers], since=since)
    outages = facts.outage_events(customers, since=since)
    visits: dict[int, list[Visit]] = {}
    for v in Visit.objects.filter(key_account__in=accounts, visited_on__gte=since):
        visits.setdefault(v.key_account_id, []).append(v)
    return {
        a.pk: AccountData(
            customer=a.customer,
            today=today,
            features=features.get(a.customer_id, [])[-24:],
            power_factor=pf.get(a.customer.account_no, []),
            outages=outages.get(a.customer_id, []),
            visits=visits.get(a.pk, []),
        )
        for a in accounts
    }


def suggestions_for(*, account: KeyAccount, data: AccountData | None = None) -> list[Suggestion]:
    """Suggestions for one account, without the rules it already has an open latent need of."""
    taken = set(
        Need.objects.filter(
            key_account=account, origin=Origin.LATENT, stage__in=OPEN_STAGES
        ).values_list("rule", flat=True)
    )
    data = data or account_data([account])[account.pk]
    return [s for s in evaluate(data) if s.rule not in taken]
