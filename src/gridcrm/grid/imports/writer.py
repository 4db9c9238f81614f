"""Writing accepted import rows: each record kind upserted by its code, a customer's
metered line recorded as one of its supply sources, and the archive's equipment summary
derived again for every customer the import touched."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from gridcrm.grid.imports.rows import Row
from gridcrm.grid.imports.topology import Known
from gridcrm.grid.models import (
    EmergencyPower,
    Feeder,
    Meter,
    MeteringPoint,
    Substation,
    SupplySource,
    Transformer,
)
from gridcrm.grid.services import equipment_derive
from gridcrm.users.selectors import region_by_code


@dataclass
class Outcome:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    customers_derived: int = 0


def _upsert(model: type[models.Model], key: dict[str, Any], values: dict[str, Any]) -> str:
    """``created``, ``updated`` or ``unchanged``: only a row whose values differ is saved."""
    found = model._default_manager.filter(**key).first()
    if found is None:
        model._default_manager.create(**key, **values)
        return "created"
    if all(getattr(found, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(found, name, value)
    found.save(update_fields=list(values))
    return "updated"


def write(rows: list[Row], known: Known) -> Outcome:
    """Write the accepted ``rows`` (in record order) inside the caller's transaction."""
    created: Counter[str] = Counter()
    updated: Counter[str] = Counter()
    unchanged = 0
    touched: set[int] = set()
    sources_needed: set[tuple[int, str]] = set()
    for row in rows:
        v = row.values
        if row.record == "substation":
            region = region_by_code(code=v["region"])
            what = _upsert(
                Substation,
                {"code": v["code"]},
                {"name": v["name"], "voltage": v["voltage"], "region": region},
            )
        elif row.record == "feeder":
            what = _upsert(
                Feeder,
                {"code": v["code"]},
                {
                    "name": v["name"],
                    "substation": Substation.objects.get(code=v["substation"]),
                    # Trunks come first in the file or already stored; a branch named
                    # before its trunk is linked by a second pass below.
                    "parent": Feeder.objects.filter(code=v["parent"]).first()
                    if v["parent"]
                    else None,
                },
            )
        elif row.record == "transformer":
            what = _upsert(
                Transformer,
                {"code": v["code"]},
                {
                    "name": v["name"],
                    "feeder": Feeder.objects.get(code=v["feeder"]),
                    "ownership": v["ownership"],
                    "kva": v["kva"],
                    "kind": v["kind"],
                    "year": v["year"],
                    "last_test_on": v["last_test_on"],
                },
            )
        elif row.record == "meter":
            customer_id = known.customers[v["account_no"]][0]
            transformer = Transformer.objects.get(code=v["transformer"])
            point_what = _upsert(
                MeteringPoint,
                {"code": v["code"]},
                {"customer_id": customer_id, "transformer": transformer},
            )
            what = _upsert(
                Meter,
                {"serial": v["serial"]},
                {
                    "point": MeteringPoint.objects.get(code=v["code"]),
                    "kind": v["kind"],
                    "ct_ratio": v["ct_ratio"],
                    "pt_ratio": v["pt_ratio"],
                    "accuracy_class": v["accuracy_class"],
                    "installed_on": v["installed_on"],
                    "verification_due": v["verification_due"],
                },
            )
            if point_what != "unchanged" and what == "unchanged":
                what = "updated"
            sources_needed.add((customer_id, known.transformers[v["transformer"]]))
            touched.add(customer_id)
        elif row.record == "source":
            sources_needed.add((known.customers[v["account_no"]][0], v["feeder"]))
            continue
        else:
            customer_id = known.customers[v["account_no"]][0]
            what = _upsert(
                EmergencyPower,
                {"code": v["code"]},
                {
                    "customer_id": customer_id,
                    "kind": v["kind"],
                    "kw": v["kw"],
                    "start_seconds": v["start_seconds"],
                    "last_test_on": v["last_test_on"],
                },
            )
            touched.add(customer_id)
        if what == "created":
            created[row.record] += 1
        elif what == "updated":
            updated[row.record] += 1
        else:
            unchanged += 1
    _link_branches(rows)
    sources_new = _sources_ensure(sources_needed)
    unchanged += len([r for r in rows if r.record == "source"]) - sources_new
    if sources_new:
        created["source"] = sources_new
    return Outcome(
        created=dict(created),
        updated=dict(updated),
        unchanged=unchanged,
        customers_derived=equipment_derive(customer_ids=sorted(touched)),
    )


def _link_branches(rows: list[Row]) -> None:
    for row in rows:
        if row.record == "feeder" and row.values["parent"]:
            Feeder.objects.filter(code=row.values["code"], parent__isnull=True).update(
                parent=Feeder.objects.get(code=row.values["parent"])
            )


def _sources_ensure(needed: set[tuple[int, str]]) -> int:
    """Create the missing (customer, line) supply sources; returns how many were new."""
    feeders = dict(
        Feeder.objects.filter(code__in={code for _c, code in needed}).values_list("code", "pk")
    )
    before = SupplySource.objects.count()
    SupplySource.objects.bulk_create(
        [SupplySource(customer_id=c, feeder_id=feeders[code]) for c, code in sorted(needed)],
        ignore_conflicts=True,
    )
    return SupplySource.objects.count() - before
