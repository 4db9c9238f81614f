"""The regional composition, precomputed: the lake's pipeline run (``LAKE_RESULTS``) sums
the last ``WINDOW_DAYS`` days of readings per supply station, segment, industry class
and slot into ``CompositionCell`` rows, and the curves run sums the normalised typical
curves per station, season, day type and pattern into ``PatternCell`` rows. The
composition page then adds up a few hundred small rows instead of scanning the readings
and clustering curves on every view (``load.selectors.composition``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from gridcrm.archive.selectors import customer_keys
from gridcrm.lake import catalog
from gridcrm.load import pipelines
from gridcrm.load.models import CompositionCell, CompositionWindow, PatternCell
from gridcrm.load.selectors import industry_class

if TYPE_CHECKING:
    import pyarrow as pa

WINDOW_DAYS = 28
"""The composition page's default window: the four weeks before the run's day."""


def composition_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """``[start, end)`` of the composition a run on ``as_of`` precomputes."""
    return as_of - dt.timedelta(days=WINDOW_DAYS), as_of


def _groups() -> pa.Table:
    import pyarrow as pa

    rows = customer_keys().values_list("account_no", "region_id", "segment", "industry_code")
    account_nos, regions, segments, industries = [], [], [], []
    for account_no, region_id, segment, industry in rows.iterator(chunk_size=20000):
        account_nos.append(account_no)
        regions.append(region_id)
        segments.append(segment)
        industries.append(industry_class(industry))
    return pa.table(
        {
            "account_no": pa.array(account_nos, pa.string()),
            "region_id": pa.array(regions, pa.int64()),
            "segment": pa.array(segments, pa.string()),
            "industry": pa.array(industries, pa.string()),
        }
    )


def composition_exprs(con: Any, as_of: dt.date) -> dict[str, Any]:
    """The Ibis expressions of the composition cells and the days with readings of each
    region, over the window of ``as_of``; none without readings."""
    if not catalog.partition_files("readings"):
        return {}
    import ibis

    start, end = composition_window(as_of)
    readings = catalog.table(con, "readings")
    groups = ibis.memtable(_groups())
    return {
        "cells": pipelines.region_group_energy(readings, groups, start=start, end=end),
        "days": pipelines.region_group_days(readings, groups, start=start, end=end),
    }


def composition_store(results: dict[str, pa.Table], as_of: dt.date) -> int:
    """Replace the stored composition with a run's (upserting the cells, dropping those
    the run no longer has) and record its window; returns the number of cells."""
    start, end = composition_window(as_of)
    cells: dict[tuple[int, str, str], list[float]] = {}
    if "cells" in results:
        for row in results["cells"].to_pylist():
            key = (int(row["region_id"]), str(row["segment"]), str(row["industry"]))
            cells.setdefault(key, [0.0] * 96)[int(row["slot"])] = float(row["kwh"] or 0.0)
    days: dict[tuple[int, str, str], list[str]] = {}
    if "days" in results:
        for row in results["days"].to_pylist():
            key = (int(row["region_id"]), str(row["segment"]), str(row["industry"]))
            days.setdefault(key, []).append(row["day"].isoformat())
    with transaction.atomic():
        CompositionCell.objects.bulk_create(
            [
                CompositionCell(
                    region_id=r,
                    segment=s,
                    industry=i,
                    kwh=kwh,
                    days=sorted(days.get((r, s, i), [])),
                )
                for (r, s, i), kwh in cells.items()
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["region", "segment", "industry"],
            update_fields=["kwh", "days"],
        )
        _drop_stale(cells)
        CompositionWindow.objects.all().delete()
        if cells:
            CompositionWindow.objects.create(start=start, end=end)
    return len(cells)


def _drop_stale(kept: Iterable[tuple[int, str, str]]) -> None:
    keep = set(kept)
    stale = [
        pk
        for pk, region, segment, industry in CompositionCell.objects.values_list(
            "pk", "region_id", "segment", "industry"
        )
        if (region, segment, industry) not in keep
    ]
    CompositionCell.objects.filter(pk__in=stale).delete()


def pattern_cells_store(
    curves: list[tuple[int, str, str, str, list[float]]],
) -> int:
    """Replace the stored pattern cells with the sums of these curves' normalised shapes,
    given as (region id, season, day type, pattern, kW by slot); called by the curves run
    inside its transaction. Returns the number of cells."""
    sums: dict[tuple[int, str, str, str], tuple[list[float], int]] = {}
    for region, season, day_type, pattern, kw in curves:
        mean = sum(kw) / len(kw) if kw else 0.0
        if mean <= 0:
            continue
        key = (region, season, day_type, pattern)
        shape, n = sums.get(key, ([0.0] * 96, 0))
        sums[key] = ([a + v / mean for a, v in zip(shape, kw, strict=True)], n + 1)
    PatternCell.objects.all().delete()
    PatternCell.objects.bulk_create(
        [
            PatternCell(region_id=r, season=s, day_type=d, pattern=p, curves=n, shape_sum=shape)
            for (r, s, d, p), (shape, n) in sums.items()
        ],
        batch_size=1000,
    )
    return len(sums)
