"""The demo company's grid, consistent by construction:

- two substations per district, four 10 kV lines on each (one with a branch line), a
  public transformer per transformer area (台区) for low-voltage customers and dedicated
  transformers for high-voltage ones, a meter per metering point (installed in the last
  six years, verification due eight years after), the supply sources each important
  class requires, hospitals on dual sources;
- exactly one important customer out of compliance: the first class I customer that is
  not a hospital, left on a single line and without emergency power;
- one overloaded transformer: the dedicated transformer of the largest high-voltage
  customer that is not important, undersized to 40 % of its contracted capacity, so the
  lake's 15-minute readings of that customer overload it (the grid's health finds it);
- one overdue preventive test (a dedicated transformer last tested four years ago);
  every other transformer and emergency power tested recently.

``grid_demo_write`` builds the registry right after the customers (demo generator);
``grid_demo_emergency`` gives every important customer but that one a declared security
load (the load demo declares the industrial ones') and emergency power of 120–160 % of it
(demo enrich); ``grid_demo_alerts`` runs the alert checks last, so the inbox and the
safety overview show the risks. Each derives the archive's equipment fields it changes.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from gridcrm.archive.selectors import customers_matching
from gridcrm.grid.alerts import grid_alerts_check
from gridcrm.grid.models import (
    EmergencyPower,
    Feeder,
    Meter,
    MeteringPoint,
    Outage,
    Substation,
    SupplySource,
    Transformer,
)
from gridcrm.grid.rules import CLASS_RANK
from gridcrm.grid.services import equipment_derive
from gridcrm.load.selectors import security_loads
from gridcrm.load.services import profile_save
from gridcrm.users.roles import Role
from gridcrm.users.selectors import region_by_code, users_with_role

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer

_STATION_NAMES = ("东", "西")
_LINES = 4
UNDERSIZED = 0.4
"""The overloaded transformer's capacity, as a share of its customer's contracted kVA."""
_FIELDS = (
    "pk",
    "account_no",
    "name",
    "region__path",
    "voltage_level",
    "contracted_kva",
    "transformer_area",
    "importance_class",
    "meter_kind",
    "meter_count",
    "backup_power_kw",
)


def _customers() -> list[dict[str, Any]]:
    return list(customers_matching(condition=Q()).order_by("pk").values(*_FIELDS))


def _substations(districts: list[str]) -> dict[str, list[list[Feeder]]]:
    """Per district: two substations, each a list of trunk lines (with one branch line)."""
    lines: dict[str, list[list[Feeder]]] = {}
    for district in districts:
        region = region_by_code(code=district)
        if region is None:
            continue
        lines[district] = []
        for n, side in enumerate(_STATION_NAMES, start=1):
            station = Substation.objects.create(
                code=f"{district}-S{n}", name=f"{region.name}{side}变电站", region=region
            )
            feeders = [
                Feeder.objects.create(
                    code=f"{station.code}-L{k}",
                    name=f"{region.name}{side}{k}号线",
                    substation=station,
                )
                for k in range(1, _LINES + 1)
            ]
            feeders.append(
                Feeder.objects.create(
                    code=f"{station.code}-L1-1",
                    name=f"{region.name}{side}1号线支线",
                    substation=station,
                    parent=feeders[0],
                )
            )
            lines[district].append(feeders)
    return lines


def _days_ago(rng: random.Random, today: date, low: int, high: int) -> date:
    return today - timedelta(days=rng.randint(low, high))


def _transformer(c: dict[str, Any], rng: random.Random, feeder: Feeder) -> list[Transformer]:
    """A high-voltage customer's dedicated transformers (two above 1,000 kVA)."""
    kva = float(c["contracted_kva"] or 630)
    count = 1 if kva < 1000 else 2
    return [
        Transformer(
            code=f"{c['account_no']}-T{n}",
            name=f"{c['name'][:40]}{n}号变",
            feeder=feeder,
            ownership=Transformer.Ownership.DEDICATED,
            kva=Decimal(math.ceil(kva / count)),
            kind=rng.choice(Transformer.Kind.values),
            year=rng.randint(2000, 2024),
        )
        for n in range(1, count + 1)
    ]


def _second_sources(
    c: dict[str, Any], home: int, feeder: Feeder, stations: list[list[Feeder]]
) -> list[int]:
    """The further lines an important class requires (the demo's customers comply)."""
    klass, other = c["importance_class"], stations[1 - home]
    if klass == "special":
        return [other[0].pk, other[1].pk]  # three sources, two substations
    if klass == "class_1":
        return [other[0].pk]  # a second source from the other substation
    second = next(f for f in stations[home] if f.pk != feeder.pk and f.parent_id is None)
    return [second.pk]  # class II and temporary: a dual circuit from the same substation


def _out_of_compliance(customers: list[dict[str, Any]]) -> int | None:
    """The demo's one important customer out of compliance: its first class I customer
    that is not a hospital."""
    return next(
        (
            c["pk"]
            for c in customers
            if c["importance_class"] == "class_1" and "医院" not in c["name"]
        ),
        None,
    )


def _undersized(customers: list[dict[str, Any]]) -> int | None:
    """The customer whose transformer the demo overloads: the largest high-voltage one
    that is not important (its readings are in the lake)."""
    candidates = [
        c
        for c in customers
        if c["voltage_level"] not in ("220V", "380V") and c["importance_class"] not in CLASS_RANK
    ]
    if not candidates:
        return None
    largest = max(candidates, key=lambda c: (float(c["contracted_kva"] or 0), -c["pk"]))
    return int(largest["pk"])


def grid_demo_write(*, seed: int) -> int:
    """Build the registry for every customer; returns how many customers it covers."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    customers = _customers()
    districts = sorted(
        {c["region__path"].split(".")[1] for c in customers if "." in c["region__path"]}
    )
    lines = _substations(districts)
    areas: dict[tuple[str, str], Transformer] = {}
    points: list[MeteringPoint] = []
    meters: list[Meter] = []
    sources: set[tuple[int, int]] = set()
    made: list[Transformer] = []
    gap, undersized = _out_of_compliance(customers), _undersized(customers)
    for c in customers:
        district = c["region__path"].split(".")[1]
        stations = lines[district]
        home = rng.randrange(len(stations))
        feeder = rng.choice(stations[home])
        if c["voltage_level"] in ("220V", "380V"):
            key = (c["region__path"], c["transformer_area"] or "公用台区")
            if key not in areas:
                areas[key] = Transformer(
                    code=f"T{len(areas) + 1:06d}",
                    name=key[1],
                    feeder=feeder,
                    ownership=Transformer.Ownership.PUBLIC,
                    kva=Decimal(rng.choice((200, 315, 400, 630))),
                    year=rng.randint(2005, 2023),
                )
                made.append(areas[key])
            owned = [areas[key]]
        else:
            owned = _transformer(c, rng, feeder)
            if c["pk"] == undersized:
                owned = owned[:1]
                owned[0].kva = Decimal(math.ceil(float(c["contracted_kva"] or 630) * UNDERSIZED))
            made.extend(owned)
        for n in range(1, (c["meter_count"] or 1) + 1):
            transformer = owned[(n - 1) % len(owned)]
            code = f"{c['account_no']}-M{n}"
            points.append(MeteringPoint(code=code, customer_id=c["pk"], transformer=transformer))
            installed = _days_ago(rng, today, 365, 6 * 365)
            meters.append(
                Meter(
                    serial=f"3{c['account_no']}{n}",
                    point=points[-1],
                    kind=c["meter_kind"] or ("smart_1p" if c["voltage_level"] == "220V" else "ct"),
                    installed_on=installed,
                    verification_due=installed + timedelta(days=8 * 365),
                )
            )
            sources.add((c["pk"], transformer.feeder_id))
        if c["importance_class"] in CLASS_RANK and c["pk"] != gap:
            sources.update((c["pk"], f) for f in _second_sources(c, home, feeder, stations))
    for transformer in made:
        transformer.last_test_on = _days_ago(rng, today, 30, 900)
    overdue = next((t for t in made if t.ownership == Transformer.Ownership.DEDICATED), None)
    if overdue is not None:
        overdue.last_test_on = today - timedelta(days=4 * 365)  # the one overdue test
    # Saved in bulk; each row takes its parent's new key as it is written (bulk_create
    # reads the key of a related object saved since).
    Transformer.objects.bulk_create(made, batch_size=2000)
    MeteringPoint.objects.bulk_create(points, batch_size=2000)
    Meter.objects.bulk_create(meters, batch_size=2000)
    SupplySource.objects.bulk_create(
        [SupplySource(customer_id=c, feeder_id=f) for c, f in sorted(sources)], batch_size=2000
    )
    # Emergency power as the archive knew it (none for the customer left out of
    # compliance); important customers are sized later to their security loads.
    EmergencyPower.objects.bulk_create(
        [
            EmergencyPower(
                code=f"{c['account_no']}-E1",
                customer_id=c["pk"],
                kind=EmergencyPower.Kind.GENERATOR,
                kw=c["backup_power_kw"],
                start_seconds=rng.choice((10, 15, 30)),
                last_test_on=_days_ago(rng, today, 20, 300),
            )
            for c in customers
            if c["backup_power_kw"] and c["pk"] != gap
        ],
        batch_size=2000,
    )
    equipment_derive(customer_ids=[c["pk"] for c in customers])
    return len(customers)


def grid_demo_delete(*, region_ids: list[int]) -> None:
    """Delete the registry below these regions, bottom up (the demo reset calls it after
    the customers, and so their metering points, sources and emergency power, are gone)."""
    stations = Substation.objects.filter(region_id__in=region_ids)
    Outage.objects.filter(
        Q(substation__in=stations)
        | Q(feeder__substation__in=stations)
        | Q(transformer__feeder__substation__in=stations)
    ).delete()
    MeteringPoint.objects.filter(transformer__feeder__substation__in=stations).delete()
    SupplySource.objects.filter(feeder__substation__in=stations).delete()
    Transformer.objects.filter(feeder__substation__in=stations).delete()
    Feeder.objects.filter(substation__in=stations, parent__isnull=False).delete()
    Feeder.objects.filter(substation__in=stations).delete()
    stations.delete()


def _declare_missing_security_loads(important: list[Customer], gap: int | None) -> None:
    """Important customers the load demo declared nothing for (commercial ones, such as the
    data centres) declare a security load of a fifth of their capacity, as a demand-side
    planner would record it."""
    planner = users_with_role(role=Role.DEMAND_PLANNER).first()
    if planner is None:
        return
    declared = security_loads(customer_ids=[c.pk for c in important])
    for customer in important:
        if customer.pk != gap and customer.pk not in declared:
            kva = float(customer.contracted_kva or 100)
            profile_save(
                customer=customer,
                data={"security_load_kw": Decimal(f"{kva * 0.2:.1f}")},
                acting_user=planner,
            )


def grid_demo_emergency(*, seed: int) -> int:
    """Give every important customer but the demo's one out of compliance a declared
    security load and emergency power of 120–160 % of it (a generator, tested this year).
    Returns how many units were sized."""
    rng = random.Random(seed + 19)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    important = list(
        customers_matching(condition=Q(importance_class__in=list(CLASS_RANK))).order_by("pk")
    )
    gap = _out_of_compliance(
        [{"pk": c.pk, "importance_class": c.importance_class, "name": c.name} for c in important]
    )
    _declare_missing_security_loads(important, gap)
    security = security_loads(customer_ids=[c.pk for c in important])
    units: dict[int, list[EmergencyPower]] = defaultdict(list)
    for unit in EmergencyPower.objects.filter(customer_id__in=[c.pk for c in important]):
        units[unit.customer_id].append(unit)
    sized, added = [], []
    for c in important:
        if c.pk == gap or c.pk not in security:
            continue
        needed = float(security[c.pk]) * rng.uniform(1.2, 1.6)
        kw = Decimal(max(10, 10 * math.ceil(needed / 10)))
        if units[c.pk]:
            units[c.pk][0].kw = kw
            sized.append(units[c.pk][0])
        else:
            added.append(
                EmergencyPower(
                    code=f"{c.account_no}-E1",
                    customer_id=c.pk,
                    kind=EmergencyPower.Kind.GENERATOR,
                    kw=kw,
                    start_seconds=rng.choice((10, 15, 30)),
                    last_test_on=_days_ago(rng, today, 20, 300),
                )
            )
    EmergencyPower.objects.bulk_update(sized, ["kw"], batch_size=2000)
    EmergencyPower.objects.bulk_create(added, batch_size=2000)
    equipment_derive(customer_ids=[u.customer_id for u in [*sized, *added]])
    return len(sized) + len(added)


def grid_demo_alerts() -> None:
    """Run the grid's alert checks once, after everything else of the demo exists."""
    grid_alerts_check(timezone.now())
