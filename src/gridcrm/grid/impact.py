"""Outage impact: the customers behind a substation, a feeder (with its branch lines) or
a transformer, important ones first, each with its backup status.

Built for a registry of a million customers: ``SupplySource`` is the feeder → customer
path (index ``grid_source_feeder``, feeder first), so the customers behind a line are a
semi-join on it inside one annotated read of the visible customers. No query runs per
customer (docs/benchmarks.md, "Grid: outage impact").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import ImportanceClass
from gridcrm.archive.selectors import customers_visible_to
from gridcrm.core.extensions import GridAudience
from gridcrm.grid import rules as r
from gridcrm.grid.models import EmergencyPower, Feeder, MeteringPoint, SupplySource, Transformer
from gridcrm.grid.selectors import (
    feeder_get,
    feeders_below,
    require_view,
    substation_get,
    transformer_get,
)
from gridcrm.load.selectors import security_loads

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridcrm.users.models import User

ELEMENTS = ("substation", "feeder", "transformer")


class Backup:
    """Backup status codes of an affected customer."""

    OTHER_SOURCE = "other_source"
    EMERGENCY = "emergency"
    EMERGENCY_SHORT = "emergency_short"
    NONE = "none"

    LABELS = {
        OTHER_SOURCE: _("Another source stays on"),
        EMERGENCY: _("Emergency power covers the security load"),
        EMERGENCY_SHORT: _("Emergency power below the security load"),
        NONE: _("No backup"),
    }


@dataclass(frozen=True)
class Affected:
    """One customer behind the failed equipment."""

    customer_id: int
    account_no: str
    name: str
    importance_class: str
    other_sources: int
    emergency_kw: Decimal
    security_kw: Decimal | None
    backup: str

    @property
    def importance_label(self) -> str:
        return str(ImportanceClass(self.importance_class).label)

    @property
    def important(self) -> bool:
        return self.importance_class in r.CLASS_RANK

    @property
    def backup_label(self) -> str:
        return str(Backup.LABELS[self.backup])


@dataclass(frozen=True)
class Impact:
    element: str
    code: str
    name: str
    customers: list[Affected]

    @property
    def important(self) -> int:
        return sum(1 for c in self.customers if c.important)


def _backup(other: int, emergency: Decimal, security: Decimal | None) -> str:
    if other:
        return Backup.OTHER_SOURCE
    if emergency <= 0:
        return Backup.NONE
    if security is not None and emergency < security:
        return Backup.EMERGENCY_SHORT
    return Backup.EMERGENCY


def customer_ids_behind(
    *, element: str, code: str, user: User | AnonymousUser
) -> tuple[str, list[int], list[int]]:
    """(name, ids of the customers behind the element, ids of the feeders it takes down).
    Raises ``grid.not_found`` for an element outside the user's scope. A transformer takes
    down no whole feeder: its customers are those metered on it."""
    if element == "transformer":
        transformer = transformer_get(user=user, code=code)
        points = MeteringPoint.objects.filter(transformer=transformer)
        return str(transformer), sorted(set(points.values_list("customer_id", flat=True))), []
    name, feeders = _feeders_down(user=user, element=element, code=code)
    ids = SupplySource.objects.filter(feeder_id__in=feeders).values_list("customer_id", flat=True)
    return name, sorted(set(ids)), feeders


def audience(scope: str, code: str) -> GridAudience | None:
    """The customers behind a feeder (with its branch lines) or a transformer, whoever asks,
    for the service app's notices (installed in the ``GRID_AUDIENCE`` slot)."""
    if scope == "transformer":
        transformer = Transformer.objects.filter(code=code).first()
        if transformer is None:
            return None
        ids = list(
            MeteringPoint.objects.filter(transformer=transformer).values_list(
                "customer_id", flat=True
            )
        )
    elif scope == "feeder":
        feeder = Feeder.objects.filter(code=code).first()
        if feeder is None:
            return None
        ids = list(
            SupplySource.objects.filter(feeder_id__in=feeders_below(feeder=feeder)).values_list(
                "customer_id", flat=True
            )
        )
    else:
        return None
    return GridAudience(customer_ids=sorted(set(ids)))


def _feeders_down(*, user: User | AnonymousUser, element: str, code: str) -> tuple[str, list[int]]:
    """(name, ids of the lines a substation or a line takes down with it)."""
    if element == "substation":
        substation = substation_get(user=user, code=code)
        ids = list(Feeder.objects.filter(substation=substation).values_list("pk", flat=True))
        return substation.name, ids
    feeder = feeder_get(user=user, code=code)
    return feeder.name, feeders_below(feeder=feeder)


def _per_customer(rows: QuerySet[Any], column: str, total: Any) -> Subquery:
    """``total`` of ``rows`` for the outer customer, as a correlated scalar sub-select."""
    return Subquery(
        rows.filter(**{column: OuterRef("pk")})
        .order_by()
        .values(column)
        .annotate(total=total)
        .values("total")
    )


def outage_impact(*, user: User | AnonymousUser, element: str, code: str) -> Impact:
    """The customers behind ``element`` (substation, feeder or transformer) ``code`` that the
    user may see, important ones first (特级, 一级, 二级, 临时), then by account number.

    One annotated read of the visible customers behind the equipment gives each one's
    other sources and emergency power (correlated sub-selects on the ``(customer, …)``
    indexes); the security loads (``security_kw``) are read only for the important
    customers and those whose status hangs on one. With the scope and the element's own
    read, four or five statements whatever the number of customers."""
    require_view(user=user)
    others: QuerySet[Any]
    if element == "transformer":
        transformer = transformer_get(user=user, code=code)
        name = str(transformer)
        behind: QuerySet[Any] = MeteringPoint.objects.filter(transformer=transformer)
        others = MeteringPoint.objects.exclude(transformer=transformer)
    else:
        name, down = _feeders_down(user=user, element=element, code=code)
        behind = SupplySource.objects.filter(feeder_id__in=down)
        others = SupplySource.objects.exclude(feeder_id__in=down)
    rows = list(
        customers_visible_to(user=user)
        .filter(pk__in=behind.values("customer_id"))
        .annotate(
            other_count=Coalesce(_per_customer(others, "customer_id", Count("*")), 0),
            emergency_total=Coalesce(
                _per_customer(EmergencyPower.objects.all(), "customer_id", Sum("kw")),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=10, decimal_places=1),
            ),
        )
        .values_list(
            "pk", "account_no", "name", "importance_class", "other_count", "emergency_total"
        )
    )
    # Security loads are declared by important customers; others matter only when their
    # status hangs on one (emergency power and no other source).
    declared = [row[0] for row in rows if row[3] in r.CLASS_RANK or (not row[4] and row[5] > 0)]
    security = security_loads(customer_ids=declared) if declared else {}
    affected = [
        Affected(
            customer_id=pk,
            account_no=account_no,
            name=customer_name,
            importance_class=klass,
            other_sources=other,
            emergency_kw=Decimal(kw),
            security_kw=security.get(pk),
            backup=_backup(other, Decimal(kw), security.get(pk)),
        )
        for pk, account_no, customer_name, klass, other, kw in rows
    ]
    affected.sort(key=lambda a: (r.CLASS_RANK.get(a.importance_class, 99), a.account_no))
    return Impact(element=element, code=code, name=name, customers=affected)
