"""Demo data of orderly power use: the Shanxi TOU schedules, declared production data of
the industrial and public-utility customers, typical curves from the lake, and two plans
(one draft, one published) for the supply station with the most shiftable load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

import numpy as np
from django.db.models import Count
from django.utils import timezone

from gridcrm.archive.demo import customers_of_segments
from gridcrm.load import services, tou
from gridcrm.load.models import Plan, ProductionProfile, Protection
from gridcrm.users.demo import RegionLevel, region_root, regions_of_level, user_with_role
from gridcrm.users.roles import Role

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import Region, User

# Share of the typical load that is security load, shiftable, curtailable, interruptible.
_SHARES = {
    "continuous": (0.35, 0.05, 0.10, 0.20),  # steel, chemicals, non-ferrous: furnaces
    "industry": (0.10, 0.25, 0.15, 0.30),
    "public": (0.50, 0.0, 0.15, 0.0),
}
_CONTINUOUS = ("C25", "C26", "C30", "C31", "C32")
_UTILISATION = {"continuous": 0.6, "industry": 0.35, "public": 0.22}
_PROCESSES = {
    "continuous": "电弧炉、轧机、空压站",
    "industry": "生产线、空调、照明",
    "public": "空调、景观照明",
}


class Writer(Protocol):
    def write(self, msg: str) -> object: ...


def _kind(customer: Customer) -> str:
    if customer.segment == "public_utility":
        return "public"
    return "continuous" if (customer.industry_code or "").startswith(_CONTINUOUS) else "industry"


def _d(value: float) -> Decimal:
    return Decimal(f"{value:.1f}")


def _declare(rng: np.random.Generator) -> int:
    declared = list(ProductionProfile.objects.values_list("customer_id", flat=True))
    profiles = []
    for c in customers_of_segments(["industrial", "public_utility"], exclude_pks=declared):
        kind = _kind(c)
        load = float(c.contracted_kva or 0) * _UTILISATION[kind] * float(rng.uniform(0.8, 1.2))
        security, shift, curtail, interrupt = (
            share * float(rng.uniform(0.7, 1.3)) for share in _SHARES[kind]
        )
        priority = kind == "continuous" and rng.random() < 0.15
        profiles.append(
            ProductionProfile(
                customer=c,
                security_load_kw=_d(load * security),
                typical_load_kw=_d(load),
                shiftable_kw=_d(load * shift),
                shift_notice_hours=Decimal(24),
                shift_max_hours=_d(float(rng.choice([3, 4, 6]))),
                curtailable_kw=_d(load * curtail),
                curtail_notice_hours=Decimal(int(rng.choice([2, 4]))),
                curtail_max_hours=_d(float(rng.choice([2, 3]))) if rng.random() < 0.6 else None,
                interruptible_kw=_d(load * interrupt),
                interrupt_notice_hours=Decimal(1),
                interruptible_processes=_PROCESSES[kind],
                protection=Protection.PRIORITY if priority else Protection.AUTO,
            )
        )
    ProductionProfile.objects.bulk_create(profiles, batch_size=1000)
    return len(profiles)


def _planner() -> User | None:
    return user_with_role(Role.DEMAND_PLANNER, or_superuser=True)


def _target(region: Region) -> float:
    """A gap the region's declared load can close: 40 % of what it can shed."""
    offered = 0.0
    for p in ProductionProfile.objects.filter(
        customer__in=services.region_customers(region=region)
    ):
        room = float(p.typical_load_kw or 0) - float(p.security_load_kw)
        offered += min(
            float(p.shiftable_kw) + float(p.curtailable_kw) + float(p.interruptible_kw),
            max(room, 0.0) * 0.6,
        )
    return round(offered * 0.4, -1)


def _busiest_station() -> Region | None:
    """The supply station with the most customers that declared production data."""
    declared = dict(
        ProductionProfile.objects.values("customer__region_id")
        .annotate(n=Count("pk"))
        .values_list("customer__region_id", "n")
    )
    stations = regions_of_level(RegionLevel.STATION)
    return min(stations, key=lambda r: (-declared.get(r.pk, 0), r.path), default=None)


def season_campaign(day: dt.date) -> str:
    """What a peak plan for ``day`` is called: 迎峰度夏 from June to September, 迎峰度冬
    from December to February, a plain peak-load plan in the months between."""
    if 6 <= day.month <= 9:
        return "迎峰度夏"
    if day.month in (12, 1, 2):
        return "迎峰度冬"
    return "高峰时段"


def demo_load_data(*, seed: int, stdout: Writer) -> None:
    """Write the load demo data (idempotent for the TOU schedules and profiles; adds two
    plans each run)."""
    rng = np.random.default_rng(seed)
    root = region_root()
    if root is None:
        stdout.write("load: no regions, nothing to do\n")
        return
    tou.tou_defaults_install(region=root)
    declared = _declare(rng)
    stdout.write(f"load: Shanxi TOU schedules; production data declared for {declared} customers\n")
    curves = services.typical_curves_refresh()
    stdout.write(f"load: {curves.curves} typical curves, patterns {curves.patterns}\n")
    planner = _planner()
    station = _busiest_station()
    if planner is None or station is None:
        stdout.write("load: no planner or station; no plans\n")
        return
    target = _target(station)
    if target <= 0:
        stdout.write("load: no declared load to shed; no plans\n")
        return
    today = timezone.localdate()
    peak = target / 0.12  # a warning-level II gap
    published = services.plan_create(
        # Named for the season it is made for: a summer plan in summer, a winter one now.
        name=f"{station.name} {season_campaign(today + dt.timedelta(days=2))} 晚高峰错峰",
        region=station,
        days=[today + dt.timedelta(days=2)],
        gap_kw=services.gap_from_target(target_kw=target, start=dt.time(18), end=dt.time(21)),
        peak_demand_kw=peak,
        acting_user=planner,
    )
    published = services.plan_solve(plan=published, acting_user=planner)
    if published.status == Plan.Status.SOLVED:
        published = services.plan_publish(plan=published, acting_user=planner)
    draft = services.plan_create(
        name=f"{station.name} 有序用电预案（两日）",
        region=station,
        days=[today + dt.timedelta(days=3), today + dt.timedelta(days=4)],
        gap_kw=services.gap_from_target(target_kw=target * 0.6, start=dt.time(17), end=dt.time(22)),
        peak_demand_kw=peak,
        acting_user=planner,
    )
    stdout.write(
        f"load: plans for {station.name}: “{published.name}” {published.status}, "
        f"“{draft.name}” {draft.status}\n"
    )
