"""Typical daily curves from the lake, and the load pattern each falls into."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db import transaction

from gridcrm.archive.selectors import customer_ids_by_account, customer_keys
from gridcrm.lake import catalog
from gridcrm.load import clustering, events, pipelines
from gridcrm.load.models import TypicalCurve
from gridcrm.load.services.composition import pattern_cells_store

if TYPE_CHECKING:
    from gridcrm.users.models import User


@dataclass(frozen=True)
class CurvesRun:
    curves: int
    customers: int
    patterns: dict[str, int]


def typical_curves_refresh(
    *,
    engine: str | None = None,
    since: dt.date | None = None,
    acting_user: User | None = None,
) -> CurvesRun:
    """Compute every metered customer's typical curves from the lake, store them, and
    name each curve's pattern by clustering the normalised curves (``acting_user``
    empty: the system's scheduled run)."""
    con = catalog.connect(engine)
    table = con.to_pyarrow(
        pipelines.typical_curves(catalog.table(con, "readings"), since=since)
    ).to_pylist()
    curves: dict[tuple[str, str, str], tuple[list[float], int]] = {}
    for row in table:
        key = (row["account_no"], row["season"], row["day_type"])
        kw, days = curves.setdefault(key, ([0.0] * 96, 0))
        kw[int(row["slot"])] = round(float(row["kw"]), 3)
        curves[key] = (kw, max(days, int(row["days"])))
    ids = customer_ids_by_account(account_nos={k[0] for k in curves})
    keys = [k for k in curves if k[0] in ids]
    labels = (
        clustering.cluster(
            np.array([curves[k][0] for k in keys]),
            owners=[k[0] for k in keys],
            seasons=[k[1] for k in keys],
        ).labels
        if keys
        else []
    )
    objs = [
        TypicalCurve(
            customer_id=ids[k[0]],
            season=k[1],
            day_type=k[2],
            kw=curves[k][0],
            days=curves[k][1],
            pattern=label,
        )
        for k, label in zip(keys, labels, strict=True)
    ]
    patterns: dict[str, int] = {}
    for label in labels:
        patterns[label] = patterns.get(label, 0) + 1
    run = CurvesRun(curves=len(objs), customers=len({k[0] for k in keys}), patterns=patterns)
    with transaction.atomic():
        TypicalCurve.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["customer", "season", "day_type"],
            update_fields=["kw", "days", "pattern", "computed_at"],
        )
        # Every customer's region in one pass (an IN list of 100,000 ids would not do).
        regions = dict(customer_keys().values_list("id", "region_id").iterator(chunk_size=20000))
        pattern_cells_store(
            [(regions[c.customer_id], c.season, c.day_type, c.pattern, c.kw) for c in objs]
        )
        events.curves_refreshed(curves=run.curves, customers=run.customers, acting_user=acting_user)
    return run
