"""The demo company's grid: two substations per district, four 10 kV lines on each (one
with a branch line), a public transformer per transformer area (台区) for low-voltage
customers and dedicated transformers for high-voltage ones, a meter per metering point,
and the supply sources each important class requires — with exactly one important
customer out of compliance (a class I customer left on a single line), a hospital on dual
sources, and the important customers the archive knows no backup power of without any.

``grid_demo_write`` builds the registry right after the customers (demo generator);
``grid_demo_emergency`` sizes the important customers' emergency power to the security
loads the load demo declares (demo enrich). Both derive the archive's equipment fields.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q

from gridcrm.archive.selectors import customers_matching
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
from gridcrm.users.selectors import region_by_code

_STATION_NAMES = ("东", "西")
_LINES = 4
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


def grid_demo_write(*, seed: int) -> int:
    """Build the registry for every customer; returns how many customers it covers."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    customers = _customers()
    districts = sorted(
        {c["region__path"].split(".")[1] for c in customers if "." in c["region__path"]}
    )
    lines = _substations(districts)
    areas: dict[tuple[str, str], Transformer] = {}
    points: list[MeteringPoint] = []
    meters: list[tuple[str, str, str]] = []
    sources: set[tuple[int, int]] = set()
    made: list[Transformer] = []
    out_of_compliance_done = False
    for c in customers:
        district = c["region__path"].split(".")[1]
        stations = lines[district]
        home = rng.randrange(len(stations))
        feeder = rng.choice(stations[home])
        low_voltage = c["voltage_level"] in ("220V", "380V")
        if low_voltage:
            key = (c["region__path"], c["transformer_area"] or "公用台区")
            transformer = areas.get(key)
            if transformer is None:
                transformer = Transformer(
                    code=f"T{len(areas) + 1:06d}",
                    name=key[1],
                    feeder=feeder,
                    ownership=Transformer.Ownership.PUBLIC,
                    kva=Decimal(rng.choice((200, 315, 400, 630))),
                    year=rng.randint(2005, 2023),
                )
                areas[key] = transformer
                made.append(transformer)
            owned = [transformer]
        else:
            kva = float(c["contracted_kva"] or 630)
            count = 1 if kva < 1000 else 2
            owned = [
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
            made.extend(owned)
        meter_count = c["meter_count"] or 1
        for n in range(1, meter_count + 1):
            transformer = owned[(n - 1) % len(owned)]
            code = f"{c['account_no']}-M{n}"
            points.append(MeteringPoint(code=code, customer_id=c["pk"], transformer=transformer))
            kind = c["meter_kind"] or ("smart_1p" if c["voltage_level"] == "220V" else "ct")
            meters.append((code, f"3{c['account_no']}{n}", kind))
            sources.add((c["pk"], transformer.feeder_id))
        klass = c["importance_class"]
        if klass not in CLASS_RANK:
            continue
        if klass == "class_1" and not out_of_compliance_done and "医院" not in c["name"]:
            out_of_compliance_done = True  # the demo's one gap in supply: left on one line
            continue
        other = stations[1 - home]
        if klass in ("special", "class_1"):
            sources.add((c["pk"], other[0].pk))  # a second source from the other substation
        if klass == "special":
            sources.add((c["pk"], other[1].pk))
        if klass in ("class_2", "temporary"):
            second = next(f for f in stations[home] if f.pk != feeder.pk and f.parent_id is None)
            sources.add((c["pk"], second.pk))  # a dual circuit from the same substation
    # Saved in bulk; each point takes its transformer's new key as it is written.
    Transformer.objects.bulk_create(made, batch_size=2000)
    MeteringPoint.objects.bulk_create(points, batch_size=2000)
    point_ids = dict(MeteringPoint.objects.values_list("code", "pk"))
    Meter.objects.bulk_create(
        [
            Meter(serial=serial, point_id=point_ids[code], kind=kind)
            for code, serial, kind in meters
        ],
        batch_size=2000,
    )
    SupplySource.objects.bulk_create(
        [SupplySource(customer_id=c, feeder_id=f) for c, f in sorted(sources)], batch_size=2000
    )
    # Emergency power as the archive knew it; important customers are sized later to the
    # security loads they declare (grid_demo_emergency).
    EmergencyPower.objects.bulk_create(
        [
            EmergencyPower(
                code=f"{c['account_no']}-E1",
                customer_id=c["pk"],
                kind=EmergencyPower.Kind.GENERATOR,
                kw=c["backup_power_kw"],
                start_seconds=rng.choice((10, 15, 30)),
            )
            for c in customers
            if c["backup_power_kw"]
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


def grid_demo_emergency(*, seed: int) -> int:
    """Size each important customer's emergency power to 120–160 % of its declared security
    load; customers without emergency power keep none. Returns how many were sized."""
    rng = random.Random(seed + 19)  # noqa: S311 - demo data, not security
    important = list(
        customers_matching(condition=Q(importance_class__in=list(CLASS_RANK)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    security = security_loads(customer_ids=important)
    units: dict[int, list[EmergencyPower]] = defaultdict(list)
    for unit in EmergencyPower.objects.filter(customer_id__in=important).order_by("code"):
        units[unit.customer_id].append(unit)
    sized = []
    for pk in important:
        if not units[pk] or security.get(pk) is None:
            continue
        unit = units[pk][0]
        needed = float(security[pk]) * rng.uniform(1.2, 1.6)
        unit.kw = Decimal(max(10, 10 * math.ceil(needed / 10)))
        sized.append(unit)
    EmergencyPower.objects.bulk_update(sized, ["kw"], batch_size=2000)
    equipment_derive(customer_ids=[u.customer_id for u in sized])
    return len(sized)
