"""Reads of the grid registry. Every read that names customers starts from
``customers_visible_to``; equipment is scoped by its substation's region (a regional
collector sees the substations serving their region, and 404 elsewhere)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from gridcrm.archive.choices import ImportanceClass
from gridcrm.archive.selectors import customers_matching, customers_visible_to
from gridcrm.grid import rules as r
from gridcrm.grid.errors import ElementNotFound, MayNotViewGrid
from gridcrm.grid.health_reasons import BANDS, REASONS, band
from gridcrm.grid.models import (
    EmergencyPower,
    Feeder,
    Health,
    ImportanceRules,
    Meter,
    MeteringPoint,
    Outage,
    Substation,
    SupplySource,
    Transformer,
)
from gridcrm.load.selectors import security_loads
from gridcrm.users.roles import COMPANY_WIDE_ROLES
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

AnyUser = Any  # User | AnonymousUser, without importing the users app's models


def can_view(*, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm("grid.view_registry")


def can_edit(*, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm("grid.edit_registry")


def can_enter_outage(*, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm("grid.enter_outage")


def require_view(*, user: User | AnonymousUser) -> None:
    """Refuse (``grid.may_not_view``) a user whose role may not see the registry."""
    if not can_view(user=user):
        raise MayNotViewGrid


def scope_path(user: User | AnonymousUser) -> str | None:
    """``None`` for a role spanning the company; else the user's region path ("" without
    a region: nothing is inside it)."""
    if user_roles(user=user) & COMPANY_WIDE_ROLES:
        return None
    region = getattr(user, "region", None)
    return region.path if region is not None else ""


def substations_visible_to(*, user: User | AnonymousUser) -> QuerySet[Substation]:
    """The substations a user may see: all for company-wide roles; for a scoped user those
    whose region contains theirs or lies inside it."""
    if not can_view(user=user):
        return Substation.objects.none()
    path = scope_path(user)
    if path is None:
        return Substation.objects.all()
    if not path:
        return Substation.objects.none()
    ancestors = [".".join(path.split(".")[: n + 1]) for n in range(path.count(".") + 1)]
    return Substation.objects.filter(
        Q(region__path__in=ancestors) | Q(region__path__startswith=f"{path}.")
    )


def substation_get(*, user: User | AnonymousUser, code: str) -> Substation:
    found = substations_visible_to(user=user).filter(code=code).first()
    if found is None:
        raise ElementNotFound
    return found


def feeder_get(*, user: User | AnonymousUser, code: str) -> Feeder:
    found = (
        Feeder.objects.filter(code=code, substation__in=substations_visible_to(user=user))
        .select_related("substation", "parent")
        .first()
    )
    if found is None:
        raise ElementNotFound
    return found


def transformer_get(*, user: User | AnonymousUser, code: str) -> Transformer:
    found = (
        Transformer.objects.filter(
            code=code, feeder__substation__in=substations_visible_to(user=user)
        )
        .select_related("feeder__substation")
        .first()
    )
    if found is None:
        raise ElementNotFound
    return found


def feeders_below(*, feeder: Feeder) -> list[int]:
    """Ids of ``feeder`` and of every branch line fed through it (branches stay on their
    trunk's substation, so one read of that substation's lines suffices)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Feeder.objects.filter(substation_id=feeder.substation_id).values_list(
        "pk", "parent_id"
    ):
        children[parent].append(pk)
    found, todo = [], [feeder.pk]
    while todo:
        pk = todo.pop()
        if pk in found:
            continue  # the import refuses cycles; a hand-made one must not loop forever
        found.append(pk)
        todo.extend(children[pk])
    return found


# -- rules -------------------------------------------------------------------------------


def rules_current() -> ImportanceRules | None:
    return ImportanceRules.objects.order_by("-number").first()


def rules_by_class() -> dict[str, r.ClassRule]:
    """The rule of each important class in force (the defaults until one is published)."""
    current = rules_current()
    rows = current.rows if current is not None else r.DEFAULT_RULES
    return {row["importance_class"]: r.ClassRule.model_validate(row) for row in rows}


# -- one customer's supply ---------------------------------------------------------------


def supplies(*, customer_ids: Iterable[int]) -> dict[int, r.Supply]:
    """What the registry knows of each customer's supply: sources, distinct substations,
    emergency kW and declared security load. Five queries whatever the number."""
    ids = list(customer_ids)
    feeders: dict[int, set[int]] = defaultdict(set)
    stations: dict[int, set[int]] = defaultdict(set)
    for customer_id, feeder_id, substation_id in SupplySource.objects.filter(
        customer_id__in=ids
    ).values_list("customer_id", "feeder_id", "feeder__substation_id"):
        feeders[customer_id].add(feeder_id)
        stations[customer_id].add(substation_id)
    emergency = dict(
        EmergencyPower.objects.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(kw=Sum("kw"))
        .values_list("customer_id", "kw")
    )
    security = security_loads(customer_ids=ids)
    return {
        pk: r.Supply(
            sources=len(feeders[pk]),
            substations=len(stations[pk]),
            emergency_kw=emergency.get(pk) or Decimal(0),
            security_kw=security.get(pk),
        )
        for pk in ids
    }


@dataclass
class CustomerEquipment:
    """The equipment section of a customer's 360° page."""

    sources: list[Feeder]
    configuration: str
    points: list[MeteringPoint]
    meters: list[Meter]
    emergency: list[EmergencyPower]
    supply: r.Supply
    gaps: list[str] = field(default_factory=list)
    rule: r.ClassRule | None = None

    @property
    def configuration_label(self) -> str:
        return str(r.CONFIGURATION_LABELS[self.configuration])

    @property
    def gap_labels(self) -> list[str]:
        return [str(r.Gap.LABELS[g]) for g in self.gaps]


def customer_equipment(*, customer: Customer) -> CustomerEquipment:
    """The registry's view of one (already visible) customer, with its important-customer
    gaps when it has a class."""
    sources = list(Feeder.objects.filter(sources__customer=customer).select_related("substation"))
    supply = supplies(customer_ids=[customer.pk])[customer.pk]
    rule = rules_by_class().get(customer.importance_class)
    return CustomerEquipment(
        sources=sources,
        configuration=r.configuration(sources=supply.sources, substations=supply.substations),
        points=list(
            MeteringPoint.objects.filter(customer=customer).select_related("transformer__feeder")
        ),
        meters=list(Meter.objects.filter(point__customer=customer)),
        emergency=list(EmergencyPower.objects.filter(customer=customer)),
        supply=supply,
        gaps=r.gaps(rule, supply) if rule is not None else [],
        rule=rule,
    )


# -- health (grid.health computes it daily) ----------------------------------------------


@dataclass(frozen=True)
class HealthView:
    """One element's latest health score for a page: score, band, reasons in words."""

    score: int
    band: str
    band_label: str
    reasons: list[tuple[str, int, str]]  # code, points lost, words
    figures: dict[str, Any]
    as_of: date


def _health_view(kind: str, row: Health) -> HealthView:
    words = REASONS[kind]
    return HealthView(
        score=row.score,
        band=band(row.score),
        band_label=str(BANDS[band(row.score)]),
        reasons=[(code, int(points), str(words.get(code, code))) for code, points in row.reasons],
        figures=dict(row.figures),
        as_of=row.as_of,
    )


def health_of(*, element: Transformer | Feeder | Customer) -> HealthView | None:
    """The latest health of a transformer, feeder or customer the caller may already see
    (got through ``transformer_get``, ``feeder_get`` or ``customers_visible_to``); None
    before the health job first ran over it."""
    if isinstance(element, Transformer):
        kind, row = "transformer", Health.objects.filter(transformer=element).first()
    elif isinstance(element, Feeder):
        kind, row = "feeder", Health.objects.filter(feeder=element).first()
    else:
        kind, row = "customer", Health.objects.filter(customer=element).first()
    return None if row is None else _health_view(kind, row)


def health_of_transformers(*, transformers: Iterable[Transformer]) -> dict[int, HealthView]:
    """Transformer primary key → its latest health, for a list of visible ones (one query)."""
    rows = Health.objects.filter(transformer__in=list(transformers))
    return {
        row.transformer_id: _health_view("transformer", row) for row in rows if row.transformer_id
    }


# -- important customers -----------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceRow:
    """One important customer checked against its class's rule."""

    account_no: str
    name: str
    importance_class: str
    configuration: str
    supply: r.Supply
    required_kw: Decimal | None
    gaps: tuple[str, ...]
    region_id: int | None = None

    @property
    def importance_label(self) -> str:
        return str(ImportanceClass(self.importance_class).label)

    @property
    def compliant(self) -> bool:
        return not self.gaps

    @property
    def gap_labels(self) -> list[str]:
        return [str(r.Gap.LABELS[g]) for g in self.gaps]

    @property
    def configuration_label(self) -> str:
        return str(r.CONFIGURATION_LABELS[self.configuration])


def _checked(customers: QuerySet[Customer], *, only_gaps: bool) -> list[ComplianceRow]:
    rules = rules_by_class()
    rows_in = list(
        customers.filter(importance_class__in=list(r.CLASS_RANK)).values_list(
            "pk", "account_no", "name", "importance_class", "region_id"
        )
    )
    known = supplies(customer_ids=[c[0] for c in rows_in])
    rows = []
    for pk, account_no, name, klass, region_id in rows_in:
        supply, rule = known[pk], rules[klass]
        found = tuple(r.gaps(rule, supply))
        if only_gaps and not found:
            continue
        rows.append(
            ComplianceRow(
                account_no=account_no,
                name=name,
                importance_class=klass,
                configuration=r.configuration(
                    sources=supply.sources, substations=supply.substations
                ),
                supply=supply,
                required_kw=(
                    r.required_emergency_kw(rule, supply.security_kw)
                    if supply.security_kw is not None
                    else None
                ),
                gaps=found,
                region_id=region_id,
            )
        )
    rows.sort(key=lambda row: (r.CLASS_RANK[row.importance_class], row.account_no))
    return rows


def important_customers_checked(
    *, user: User | AnonymousUser, only_gaps: bool = False
) -> list[ComplianceRow]:
    """Every important customer the user may see, checked against the rules in force;
    most important class first, then by account number."""
    require_view(user=user)
    return _checked(customers_visible_to(user=user), only_gaps=only_gaps)


def important_gaps_all() -> list[ComplianceRow]:
    """Every important customer with a gap, whoever may see them: for the checks the
    system runs (alerts, the safety overview's figures before scoping)."""
    return _checked(customers_matching(condition=Q()), only_gaps=True)


# -- pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StationRow:
    substation: Substation
    feeders: int
    transformers: int
    customers: int
    important: int
    compliant: int


def station_overview(*, user: User | AnonymousUser) -> list[StationRow]:
    """Per visible substation: lines, transformers, customers behind it (that the user may
    see), important customers and how many of them meet their rule."""
    require_view(user=user)
    stations = list(
        substations_visible_to(user=user)
        .select_related("region")
        .prefetch_related("feeders")
        .annotate(
            n_feeders=Count("feeders", distinct=True),
            n_transformers=Count("feeders__transformers", distinct=True),
        )
    )
    visible = customers_visible_to(user=user)
    behind = dict(
        SupplySource.objects.filter(customer__in=visible)
        .values("feeder__substation_id")
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("feeder__substation_id", "n")
    )
    checked = {row.account_no: row for row in important_customers_checked(user=user)}
    important: dict[int, list[bool]] = defaultdict(list)
    for station_id, account_no in (
        SupplySource.objects.filter(
            customer__in=visible, customer__importance_class__in=list(r.CLASS_RANK)
        )
        .values_list("feeder__substation_id", "customer__account_no")
        .distinct()
    ):
        important[station_id].append(checked[account_no].compliant)
    return [
        StationRow(
            substation=s,
            feeders=s.n_feeders,
            transformers=s.n_transformers,
            customers=behind.get(s.pk, 0),
            important=len(important[s.pk]),
            compliant=sum(important[s.pk]),
        )
        for s in stations
    ]


@dataclass
class TransformerNode:
    transformer: Transformer
    customers: list[tuple[str, str, str]]  # account number, name, importance class
    health: HealthView | None = None


@dataclass
class FeederTree:
    feeder: Feeder
    transformers: list[TransformerNode]
    branches: list[Feeder]
    customers: int


def feeder_tree(*, user: User | AnonymousUser, code: str) -> FeederTree:
    """A feeder with its transformers and, under each, the customers the user may see."""
    feeder = feeder_get(user=user, code=code)
    visible = customers_visible_to(user=user)
    by_transformer: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for transformer_id, account_no, name, klass in (
        MeteringPoint.objects.filter(transformer__feeder=feeder, customer__in=visible)
        .values_list(
            "transformer_id", "customer__account_no", "customer__name", "customer__importance_class"
        )
        .order_by("customer__account_no")
        .distinct()
    ):
        by_transformer[transformer_id].append((account_no, name, klass))
    ordered = list(feeder.transformers.order_by("code"))
    health = health_of_transformers(transformers=ordered)
    transformers = [TransformerNode(t, by_transformer[t.pk], health.get(t.pk)) for t in ordered]
    return FeederTree(
        feeder=feeder,
        transformers=transformers,
        branches=list(feeder.branches.order_by("code")),
        customers=SupplySource.objects.filter(feeder=feeder, customer__in=visible).count(),
    )


def outages_visible_to(*, user: User | AnonymousUser) -> QuerySet[Outage]:
    require_view(user=user)
    stations = substations_visible_to(user=user)
    return Outage.objects.filter(
        Q(substation__in=stations)
        | Q(feeder__substation__in=stations)
        | Q(transformer__feeder__substation__in=stations)
    ).select_related("substation", "feeder", "transformer")
