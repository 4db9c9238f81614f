"""Reads of the load app; customer data only through ``customers_visible_to``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from gridcrm.archive.choices import Segment
from gridcrm.archive.selectors import (
    customer_get_visible,
    customers_in_region,
    customers_visible_to,
)
from gridcrm.lake import catalog
from gridcrm.lake.pipelines import HOURS_PER_INTERVAL
from gridcrm.load import clustering, knowledge, pipelines
from gridcrm.load.errors import MayNotManageTou, MayNotPlan, MayNotViewKnowledge, UnknownRegion
from gridcrm.load.models import (
    CompositionCell,
    CompositionWindow,
    PatternCell,
    Plan,
    ProductionProfile,
    Schedule,
    ScheduleNotice,
    TouSchedule,
    TypicalCurve,
)
from gridcrm.users import selectors as users
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import Region, User

GROUPINGS = ("station", "segment", "industry")


def can_plan(*, user: User | AnonymousUser) -> bool:
    return user.is_active and user.has_perm("load.make_plans")


def can_view_plans(*, user: User | AnonymousUser) -> bool:
    return user.is_active and (user.has_perm("load.view_plans") or can_plan(user=user))


def can_view_knowledge(*, user: User | AnonymousUser) -> bool:
    return user.is_active and user.has_perm("load.view_load_knowledge")


def require_view_plans(*, user: User | AnonymousUser) -> None:
    """Refuse (``load.may_not_plan``) a user who may not see orderly-use plans."""
    if not can_view_plans(user=user):
        raise MayNotPlan(_("You may not see orderly-use plans."))


def require_plan(*, user: User | AnonymousUser) -> None:
    """Refuse (``load.may_not_plan``) a user who may not make orderly-use plans."""
    if not can_plan(user=user):
        raise MayNotPlan(_("You may not make orderly-use plans."))


def require_view_knowledge(*, user: User | AnonymousUser) -> None:
    """Refuse (``load.may_not_view_knowledge``) a user who may not see load knowledge."""
    if not can_view_knowledge(user=user):
        raise MayNotViewKnowledge(_("You may not see load compositions and patterns."))


def can_manage_tou(*, user: User | AnonymousUser) -> bool:
    return user.is_active and user.has_perm("load.manage_tou")


def require_view_tou(*, user: User | AnonymousUser) -> None:
    """Refuse (``load.may_not_manage_tou``) unless the user sees plans or manages TOU."""
    if not (can_view_plans(user=user) or can_manage_tou(user=user)):
        raise MayNotManageTou(_("You may not see the time-of-use periods."))


def visible_customer(*, user: User | AnonymousUser, account_no: str) -> Customer:
    """A customer the user may see, or ``NotFound`` (``archive.customer_not_found``)."""
    return customer_get_visible(user=user, account_no=account_no)


def region_customers(*, region: Region) -> QuerySet[Customer]:
    """Every customer of ``region`` and below, whoever asks (plans are company work)."""
    return customers_in_region(region_path=region.path)


def region_by_code(*, code: str) -> Region:
    """The region with this code, or ``load.unknown_region``."""
    region = users.region_by_code(code=code)
    if region is None:
        raise UnknownRegion(
            _("Unknown region %(code)s.") % {"code": code},
            fields={"region": _("No region has this code.")},
        )
    return region


def regions() -> QuerySet[Region]:
    """Every region in tree order (the composition page's choice)."""
    return users.regions_all()


def tou_schedules() -> QuerySet[TouSchedule]:
    return TouSchedule.objects.select_related("region")


def plans_visible_to(*, user: User | AnonymousUser) -> QuerySet[Plan]:
    """Plans are company documents: those who may see plans see them all."""
    if not can_view_plans(user=user):
        return Plan.objects.none()
    return Plan.objects.select_related("region", "created_by")


def plans_to_publish(*, user: User | AnonymousUser) -> QuerySet[Plan]:
    """Solved plans not yet published: a planner's next step is to check and publish them."""
    return plans_visible_to(user=user).filter(status=Plan.Status.SOLVED)


def plans_in_force(*, user: User | AnonymousUser, day: dt.date) -> QuerySet[Plan]:
    """Published plans with schedules on ``day``: customers are asked to shed load then."""
    on_day = Schedule.objects.filter(plan=OuterRef("pk"), day=day)
    return plans_visible_to(user=user).filter(Exists(on_day), status=Plan.Status.PUBLISHED)


def plan_schedules(*, plan: Plan, user: User | AnonymousUser) -> QuerySet[Schedule]:
    """A plan's schedules of the customers the user can see, largest first."""
    return (
        plan.schedules.filter(customer__in=customers_visible_to(user=user))
        .select_related("customer", "customer__region")
        .order_by("day", "-reduction_kwh", "customer__account_no")
    )


def customer_profile(*, customer: Customer) -> ProductionProfile | None:
    return ProductionProfile.objects.filter(customer=customer).first()


def security_loads(*, customer_ids: Iterable[int]) -> dict[int, Decimal]:
    """The declared security load (保安负荷, kW) by customer id, for the customers among
    ``customer_ids`` that declared production data (the grid app checks emergency power
    against it)."""
    ids = list(customer_ids)
    return dict(
        ProductionProfile.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "security_load_kw"
        )
    )


def customer_schedules(*, customer: Customer) -> QuerySet[Schedule]:
    """A customer's schedules of published plans, latest days first."""
    return (
        Schedule.objects.filter(customer=customer, plan__status=Plan.Status.PUBLISHED)
        .select_related("plan")
        .order_by("-day", "-pk")
    )


def customer_notices(*, customer: Customer) -> QuerySet[ScheduleNotice]:
    return ScheduleNotice.objects.filter(customer=customer).select_related("plan")


def customer_curves(*, customer: Customer) -> QuerySet[TypicalCurve]:
    return TypicalCurve.objects.filter(customer=customer).order_by("season", "day_type")


def stations() -> QuerySet[Region]:
    return users.regions_below_company()


def peak_demand_estimate(*, region: Region, day: dt.date) -> float:
    """The region's expected peak (kW): the highest slot of the sum of its customers'
    typical curves for the season and day type, plus capacity-based estimates for
    customers without one."""
    customers = region_customers(region=region)
    curves = TypicalCurve.objects.filter(
        customer__in=customers,
        season=knowledge.season_of(day),
        day_type=knowledge.day_type_of(day),
    )
    total = [0.0] * 96
    with_curve: set[int] = set()
    for customer_id, kw in curves.values_list("customer_id", "kw").iterator(chunk_size=2000):
        with_curve.add(customer_id)
        for s in range(96):
            total[s] += float(kw[s])
    rest = 0.0
    for c in (
        customers.exclude(pk__in=with_curve)
        .select_related("production_profile")
        .only("contracted_kva", "segment", "production_profile__typical_load_kw")
        .iterator(chunk_size=2000)
    ):
        profile = getattr(c, "production_profile", None)
        rest += knowledge.expected_curve(c, profile, None).kw[0]
    return round(max(total) + rest, 1)


@dataclass(frozen=True)
class Composition:
    groups: list[str]
    kw: dict[str, list[float]]
    start: dt.date
    end: dt.date

    @property
    def empty(self) -> bool:
        return not self.groups


def _group_key(customer: Customer, grouping: str) -> str:
    if grouping == "station":
        return customer.region.name
    if grouping == "industry":
        return industry_class(customer.industry_code)
    return str(customer.get_segment_display())


UNKNOWN_INDUSTRY = "—"


def industry_class(code: str | None) -> str:
    """The GB/T 4754 prefix a composition groups industries by; "—" when unknown."""
    return (code or UNKNOWN_INDUSTRY)[:3]


# Roles whose customers are a portfolio, not whole regions: the precomputed cells (sums
# per supply station) cannot answer for them.
_PORTFOLIO_ROLES = frozenset({Role.KEY_ACCOUNT_MANAGER, Role.BUSINESS_SPECIALIST, Role.CUSTOMER})


def _whole_regions(user: User | AnonymousUser, region: Region) -> list[str] | None:
    """The paths of the regions under ``region`` whose every customer the user sees, when
    the user's customers under ``region`` are exactly such whole regions (as
    ``customers_visible_to`` draws them); ``None`` when they are not (a portfolio)."""
    if not user.is_authenticated or not user.is_active:
        return []
    roles = users.user_roles(user=user)
    if roles & COMPANY_WIDE_ROLES:
        return [region.path]
    if roles & _PORTFOLIO_ROLES:
        return None
    home: Region | None = getattr(user, "region", None)
    if Role.REGIONAL_COLLECTOR not in roles or home is None:
        return []
    own = home.path
    if region.path == own or region.path.startswith(f"{own}."):
        return [region.path]
    return [own] if own.startswith(f"{region.path}.") else []


def _region_ids(paths: list[str]) -> list[int]:
    return sorted({i for path in paths for i in users.region_ids_under(path=path)})


def composition_window_stored() -> tuple[dt.date, dt.date] | None:
    """``[start, end)`` of the precomputed composition, if a pipeline run stored one."""
    window = CompositionWindow.objects.order_by("-pk").first()
    return (window.start, window.end) if window else None


def _composition_stored(
    user: User | AnonymousUser, region: Region, grouping: str, start: dt.date, end: dt.date
) -> Composition | None:
    """The composition from the precomputed cells, or ``None`` when they cannot answer
    (another window, or a user whose customers are not whole regions)."""
    window = CompositionWindow.objects.order_by("-pk").first()
    if window is None or (window.start, window.end) != (start, end):
        return None
    paths = _whole_regions(user, region)
    if paths is None:
        return None
    ids = _region_ids(paths)
    names = dict(users.regions_all().values_list("pk", "name")) if grouping == "station" else {}
    kwh: dict[str, list[float]] = {}
    days: dict[str, set[str]] = {}
    cells = CompositionCell.objects.filter(region_id__in=ids).values_list(
        "region_id", "segment", "industry", "kwh", "days"
    )
    for region_id, segment, industry, values, cell_days in cells:
        if grouping == "station":
            key = names.get(region_id, "")
        elif grouping == "industry":
            key = industry
        else:
            key = str(Segment(segment).label) if segment in Segment.values else segment
        acc = kwh.setdefault(key, [0.0] * 96)
        for slot, value in enumerate(values):
            acc[slot] += value
        days.setdefault(key, set()).update(cell_days)
    # As from the readings: a group's energy over the days its customers have readings.
    kw = {
        g: [round(v / (len(days[g]) * HOURS_PER_INTERVAL), 2) for v in values]
        for g, values in kwh.items()
        if days[g]
    }
    ordered = sorted(kw, key=lambda g: -sum(kw[g]))
    return Composition(ordered, kw, start, end)


def composition(
    *,
    user: User | AnonymousUser,
    region: Region,
    grouping: str,
    start: dt.date,
    end: dt.date,
    engine: str | None = None,
) -> Composition:
    """Mean demand per slot of the visible customers of ``region``, by station, segment
    or industry (GB/T 4754 class prefix), from the lake's readings in ``[start, end)``:
    from the cells the last pipeline run precomputed when they answer the question
    (its window, a user who sees whole regions), else from the readings."""
    stored = _composition_stored(user, region, grouping, start, end)
    if stored is not None:
        return stored
    return composition_from_readings(
        user=user, region=region, grouping=grouping, start=start, end=end, engine=engine
    )


def composition_from_readings(
    *,
    user: User | AnonymousUser,
    region: Region,
    grouping: str,
    start: dt.date,
    end: dt.date,
    engine: str | None = None,
) -> Composition:
    """``composition`` computed from the lake's readings (any window, any scope)."""
    customers = (
        customers_visible_to(user=user)
        .filter(pk__in=region_customers(region=region))
        .select_related("region")
        .only("account_no", "segment", "industry_code", "region__name")
    )
    mapping = {c.account_no: _group_key(c, grouping) for c in customers.iterator(chunk_size=5000)}
    if not mapping or not catalog.partition_files("readings"):
        return Composition([], {}, start, end)
    import ibis
    import pyarrow as pa

    con = catalog.connect(engine)
    groups = ibis.memtable(pa.table({"account_no": list(mapping), "group": list(mapping.values())}))
    rows = con.to_pyarrow(
        pipelines.group_load(catalog.table(con, "readings"), groups, start=start, end=end)
    ).to_pylist()
    kw: dict[str, list[float]] = {}
    for row in rows:
        kw.setdefault(row["group"], [0.0] * 96)[int(row["slot"])] = round(float(row["kw"]), 2)
    ordered = sorted(kw, key=lambda g: -sum(kw[g]))
    return Composition(ordered, kw, start, end)


@dataclass(frozen=True)
class PatternSummary:
    centroids: dict[str, list[float]]
    sizes: dict[str, int]


def pattern_summary(
    *, user: User | AnonymousUser, region: Region, season: str, day_type: str
) -> PatternSummary:
    """The load patterns of the region's visible customers' typical curves of a season
    and day type: the mean normalised shape and the number of curves of each pattern the
    curves run named (from its precomputed cells when they answer, see ``composition``);
    for a portfolio, or before a curves run stored cells, the curves clustered anew."""
    paths = _whole_regions(user, region)
    if paths is not None and PatternCell.objects.exists():
        sums: dict[str, tuple[list[float], int]] = {}
        cells = PatternCell.objects.filter(
            region_id__in=_region_ids(paths), season=season, day_type=day_type
        ).values_list("pattern", "shape_sum", "curves")
        for pattern, shape, n in cells:
            acc, total = sums.get(pattern, ([0.0] * 96, 0))
            sums[pattern] = ([a + v for a, v in zip(acc, shape, strict=True)], total + n)
        return PatternSummary(
            {p: [round(v / n, 4) for v in shape] for p, (shape, n) in sums.items()},
            {p: n for p, (_shape, n) in sums.items()},
        )
    curves = list(
        TypicalCurve.objects.filter(
            customer__in=customers_visible_to(user=user).filter(
                pk__in=region_customers(region=region)
            ),
            season=season,
            day_type=day_type,
        ).values_list("kw", flat=True)[:20000]
    )
    if not curves:
        return PatternSummary({}, {})
    import numpy as np

    result = clustering.cluster(np.array(curves, dtype=float))
    return PatternSummary(result.centroids, result.sizes)
