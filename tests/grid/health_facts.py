"""Hand-made readings, outages and registry tables for the grid-health tests.

Transformer T1 (100 kVA, line F1) carries customer X; every reading has power factor 1.0
unless said, so the load rate is kW ÷ kVA. The base load is 40 kW (40 %). On local
2024-03-04 X draws 110 kW for 2 hours from 10:00 (an overload, so also a heavy load), on
2024-03-05 110 kW for 1 hour (neither), on 2024-03-06 90 kW for 2 hours (a heavy load).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from gridcrm.grid.pipelines import ANY_METER
from gridcrm.lake.schemas import OUTAGES, READINGS

START, END = date(2024, 3, 1), date(2024, 4, 1)
AS_OF = date(2024, 4, 1)
X, Y, Z = "0300000001", "0300000002", "0300000003"


def local(day: date, hour: float = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 8)


def readings_table(rows: list[tuple[str, str, datetime, float, float | None]]) -> pa.Table:
    return pa.table(
        {
            "account_no": [r[0] for r in rows],
            "meter_no": [r[1] for r in rows],
            "ts": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
            "kwh": [r[3] for r in rows],
            "kw": [r[3] * 4 for r in rows],
            "power_factor": pa.array([r[4] for r in rows], pa.float64()),
        },
        schema=READINGS.arrow,
    )


def day_of(
    account: str,
    meter: str,
    day: date,
    *,
    base_kw: float = 40.0,
    high_kw: float = 0.0,
    from_hour: float = 10.0,
    intervals: int = 0,
    pf: float | None = 1.0,
    missing: tuple[int, ...] = (),
) -> list[tuple[str, str, datetime, float, float | None]]:
    """96 readings of one local day: ``base_kw``, and ``high_kw`` for ``intervals``
    intervals from ``from_hour``; the intervals numbered in ``missing`` (0–95) left out."""
    first_high = int(from_hour * 4)
    rows = []
    for q in range(96):
        if q in missing:
            continue
        kw = high_kw if first_high <= q < first_high + intervals else base_kw
        rows.append((account, meter, local(day, q / 4), kw / 4, pf))
    return rows


def readings() -> pa.Table:
    rows = []
    for d in range(1, 8):
        day = date(2024, 3, d)
        high = {4: (110.0, 8), 5: (110.0, 4), 6: (90.0, 8)}.get(d, (0.0, 0))
        rows += day_of(X, "MX", day, high_kw=high[0], intervals=high[1])
    # Y is on two transformers: its known meter goes on T2, an unknown one nowhere.
    rows += day_of(Y, "MY1", date(2024, 3, 4), base_kw=10.0)
    rows += day_of(Y, "MY-UNKNOWN", date(2024, 3, 4), base_kw=500.0)
    # Z has no metering point at all: nowhere.
    rows += day_of(Z, "MZ", date(2024, 3, 4), base_kw=500.0)
    return readings_table(rows)


def placements() -> pa.Table:
    return pa.table(
        {
            "account_no": [X, Y, Y],
            "meter_no": [ANY_METER, "MY1", "MY2"],
            "transformer": ["T1", "T2", "T3"],
        }
    )


def transformers(test_due: tuple[date | None, ...] = (None, date(2030, 1, 1), None)) -> pa.Table:
    return pa.table(
        {
            "transformer": ["T1", "T2", "T3"],
            "feeder": ["F1", "F1", "F2"],
            "kva": [100.0, 50.0, 50.0],
            "dedicated": [False, True, True],
            "test_due": pa.array(list(test_due), pa.date32()),
            "meters_overdue": pa.array([0, 1, 0], pa.int64()),
        }
    )


def links() -> pa.Table:
    return pa.table({"account_no": [X, Y, Y], "transformer": ["T1", "T2", "T3"]})


def customers() -> pa.Table:
    return pa.table(
        {
            "account_no": [X, Y],
            "meters_overdue": pa.array([0, 1], pa.int64()),
            "important_gaps": pa.array([0, 2], pa.int64()),
        }
    )


def outages() -> pa.Table:
    """A 60-minute fault on line F1, a 30-minute one on T3, one on Z's own supply, one
    ongoing on T1 from 23:00 on the window's last day, one before the window."""
    rows = [
        ("E1", "feeder", "F1", False, local(date(2024, 3, 10), 9), local(date(2024, 3, 10), 10)),
        (
            "E2",
            "transformer",
            "T3",
            True,
            local(date(2024, 3, 11), 9),
            local(date(2024, 3, 11), 9.5),
        ),
        ("E3", "customer", Z, False, local(date(2024, 3, 12), 9), local(date(2024, 3, 12), 10)),
        ("E4", "transformer", "T1", False, local(date(2024, 3, 31), 23), None),
        ("E5", "feeder", "F1", False, local(date(2024, 2, 10), 9), local(date(2024, 2, 10), 10)),
    ]
    return pa.table(
        {
            "event_id": [r[0] for r in rows],
            "scope": [r[1] for r in rows],
            "scope_id": [r[2] for r in rows],
            "planned": [r[3] for r in rows],
            "start_at": pa.array([r[4] for r in rows], pa.timestamp("us", tz="UTC")),
            "end_at": pa.array([r[5] for r in rows], pa.timestamp("us", tz="UTC")),
            "cause": [None] * len(rows),
        },
        schema=OUTAGES.arrow,
    )
