"""Benchmark of what the key-account latent-need rules read: the monthly power factor from
the lake's readings, and topic mining of visit notes.

    .venv/bin/python bench/keyaccounts_latent.py                 # 300 accounts × 180 days
    .venv/bin/python bench/keyaccounts_latent.py --accounts 50   # a quick run

- **power factor**: ``keyaccounts.facts.power_factor_months`` for every account in one
  query (what the demo and the reports do) against the baseline of one query per account
  (what one account page does), over the same lake, in the same process;
- **topic mining**: ``keyaccounts.topics.mine`` over visit notes made from the demo's
  stories, with the tokenizer already loaded, against the baseline of plain
  ``jieba.lcut`` of the same notes (no dictionary, no stop words, no clustering).

The lake is written once under ``--dir`` (default ``var/bench_keyaccounts``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def _setup(folder: Path) -> None:
    os.environ["GRIDCRM_VAR"] = str(folder / "var")
    os.environ["GRIDCRM_LAKE"] = str(folder / "lake")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
    sys.path.insert(0, str(CHECKOUT / "src"))
    import django

    django.setup()


def _write_lake(accounts: list[str], first: date, days: int) -> int:
    import numpy as np
    import pyarrow as pa

    from gridcrm.lake.schemas import READINGS
    from gridcrm.lake.services import facts_append

    rng = np.random.default_rng(1)
    rows = 0
    for offset in range(0, days, 30):
        span = min(30, days - offset)
        start = datetime.combine(first + timedelta(days=offset), datetime.min.time(), UTC)
        steps = np.arange(span * 96, dtype="int64") * 900_000_000
        n = len(accounts)
        ts = np.tile(steps, n) + int((start - timedelta(hours=8)).timestamp() * 1_000_000)
        kwh = rng.gamma(4.0, 25.0, size=n * span * 96)
        facts_append(
            table="readings",
            facts=pa.table(
                {
                    "account_no": np.repeat(accounts, span * 96),
                    "meter_no": np.repeat([f"M{a}" for a in accounts], span * 96),
                    "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                    "kwh": kwh,
                    "kw": kwh * 4,
                    "power_factor": np.clip(rng.normal(0.9, 0.04, size=kwh.shape), 0.5, 1.0),
                },
                schema=READINGS.arrow,
            ),
        )
        rows += n * span * 96
    return rows


def _notes(count: int) -> list[str]:
    from gridcrm.keyaccounts.demo import NOTES, STORYLINES, _fill

    rng = random.Random(7)  # noqa: S311 - synthetic notes
    templates = [t for ts in STORYLINES.values() for t in ts] + [
        t for ts in NOTES.values() for t in ts
    ]
    return ["".join(_fill(rng, rng.choice(templates)) for _ in range(2)) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=CHECKOUT / "var" / "bench_keyaccounts")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    _setup(args.dir)
    import jieba

    from gridcrm.keyaccounts import facts, topics

    accounts = [f"09{i:08d}" for i in range(args.accounts)]
    first = date(2026, 1, 1)
    marker = args.dir / f"lake-{args.accounts}-{args.days}.done"
    if not marker.exists():
        t = time.perf_counter()
        rows = _write_lake(accounts, first, args.days)
        marker.write_text(str(rows))
        print(f"lake written: {rows:,} readings in {time.perf_counter() - t:.1f} s")
    rows = int(marker.read_text())

    t = time.perf_counter()
    batched = facts.power_factor_months(accounts, since=first)
    batch_s = time.perf_counter() - t
    sample = accounts[: min(20, len(accounts))]
    t = time.perf_counter()
    for account in sample:
        one = facts.power_factor_months([account], since=first)
        same = zip(one[account], batched[account], strict=True)
        assert all(abs(a.power_factor - b.power_factor) < 1e-9 for a, b in same)
    per_account_s = (time.perf_counter() - t) / len(sample)
    print(f"power factor over {rows:,} readings, {len(accounts)} accounts:")
    print(f"  one query for all: {batch_s:.2f} s ({1000 * batch_s / len(accounts):.1f} ms/account)")
    print(f"  one query per account (baseline): {1000 * per_account_s:.0f} ms/account")
    print(f"  ratio: {per_account_s * len(accounts) / batch_s:.1f}× faster batched")

    notes = _notes(args.notes)
    t = time.perf_counter()
    topics.terms("预热")  # load the tokenizer and the domain dictionary
    load_s = time.perf_counter() - t
    jieba.lcut("预热")
    t = time.perf_counter()
    for note in notes:
        jieba.lcut(note)
    plain_s = time.perf_counter() - t
    visits = [
        type("V", (), {"pk": i, "visited_on": first, "notes": note})()
        for i, note in enumerate(notes)
    ]
    topics._segment.cache_clear()  # noqa: SLF001 - measure segmentation, not the cache
    t = time.perf_counter()
    summary = topics.mine(visits)
    mine_s = time.perf_counter() - t
    chars = sum(len(n) for n in notes)
    print(f"topic mining of {len(notes):,} notes ({len(set(notes)):,} distinct, {chars:,} chars):")
    print(f"  tokenizer and dictionary load: {load_s:.2f} s (once per process)")
    print(f"  plain jieba.lcut (baseline): {plain_s:.2f} s")
    print(f"  topics.mine: {mine_s:.2f} s ({len(notes) / mine_s:,.0f} notes/s)")
    print(f"  ratio: {mine_s / plain_s:.2f}× the baseline")
    print(f"  themes: {[(t.theme.code, len(t.visits)) for t in summary.themes]}")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
