"""The demo's grid health: the first health run, with an overloaded transformer from
readings (a demo enrich step, after the lake's facts and the grid's emergency power)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
from django.utils import timezone

from gridcrm.grid.health import HealthRun, health_compute
from gridcrm.grid.models import LoadMonth, Meter, Transformer
from gridcrm.lake.schemas import LOCAL_UTC_OFFSET_HOURS, READINGS
from gridcrm.lake.services import facts_append

POWER_FACTOR = 0.9


def _extra_readings(account_no: str, meter_no: str, kva: float, today: date) -> pa.Table:
    """On the day before yesterday 2 h 30 min at 110 % of ``kva`` from 18:00 (an overload),
    the day before 1 hour at 120 % from 19:00 (too short to count)."""
    rows: list[tuple[datetime, float]] = []
    for days_back, hour, intervals, rate in ((2, 18, 10, 1.1), (3, 19, 4, 1.2)):
        day = today - timedelta(days=days_back)
        start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(
            hours=LOCAL_UTC_OFFSET_HOURS
        )
        kw = kva * rate * POWER_FACTOR
        rows += [(start + timedelta(minutes=15 * q), round(kw / 4, 3)) for q in range(intervals)]
    return pa.table(
        {
            "account_no": [account_no] * len(rows),
            "meter_no": [meter_no] * len(rows),
            "ts": pa.array([r[0] for r in rows], pa.timestamp("us", tz="UTC")),
            "kwh": [r[1] for r in rows],
            "kw": [r[1] * 4 for r in rows],
            "power_factor": [POWER_FACTOR] * len(rows),
        },
        schema=READINGS.arrow,
    )


def grid_health_demo(*, seed: int) -> HealthRun:
    """Compute the grid's health as of today. The registry demo undersizes one dedicated
    transformer so that its customer's readings overload it; should they not (a lake
    without that customer's readings), one dedicated transformer's registered meter reads
    an overload of 2 h 30 min and the health is computed again."""
    today = timezone.localdate()
    run = health_compute(as_of=today)
    if LoadMonth.objects.filter(overload_events__gt=0).exists():
        return run
    rng = random.Random(seed + 23)  # noqa: S311 - demo data, not security
    candidates = list(
        Transformer.objects.filter(ownership=Transformer.Ownership.DEDICATED)
        .order_by("code")
        .values_list("pk", "kva")[:200]
    )
    for pk, kva in rng.sample(candidates, len(candidates)):
        meter = (
            Meter.objects.filter(point__transformer_id=pk)
            .values_list("point__customer__account_no", "serial")
            .first()
        )
        if meter is not None:
            facts_append(
                table="readings", facts=_extra_readings(meter[0], meter[1], float(kva), today)
            )
            return health_compute(as_of=today)
    return run
