"""Orderly-power-use plan at scale: the solver of ``gridcrm.load.optimise`` (the exact
cheapest-first max flow) beside the greedy baseline (largest cheapest block first), on the
same synthetic region, in one run; ``--with-lp`` adds the HiGHS LP, the same optimum.

    .venv/bin/python bench/load_plan.py                 # 50,000 customers × 96 slots, one day
    .venv/bin/python bench/load_plan.py --customers 5000 --days 2 --with-lp

The region: industrial and commercial customers with load shapes of the demo (three
shifts, two shifts, day shift, commercial), security loads of 5-30 % of their mean load,
shiftable / curtailable / interruptible blocks with notice hours, most shift and avoid
blocks limited to 2-6 hours a day, 10 % priority-limited and 10 % protected customers,
harm from output value per kWh and outage sensitivity. The gap is a warning-level II
evening peak (up to 12 % of the region's peak, 17:00-22:00) and a smaller morning one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from gridcrm.load import optimise  # noqa: E402

SHAPES = {
    "three_shift": [(0, 24, 1.0)],
    "two_shift": [(0, 7, 0.3), (7, 8, 0.8), (8, 23, 1.45), (23, 24, 0.6)],
    "day_shift": [(0, 7, 0.25), (7, 8, 0.9), (8, 18, 1.8), (18, 24, 0.35)],
    "commercial": [(0, 8, 0.25), (8, 9, 0.9), (9, 21, 1.7), (21, 23, 0.8), (23, 24, 0.3)],
}


def _profile(ranges: list[tuple[int, int, float]]) -> np.ndarray:
    out = np.zeros(96)
    for start, end, level in ranges:
        out[start * 4 : end * 4] = level
    return out / out.mean()


def region(n: int, days: int, seed: int, *, all_day: bool = False) -> optimise.Problem:
    rng = np.random.default_rng(seed)
    shapes = np.array([_profile(r) for r in SHAPES.values()])
    kind = rng.choice(len(shapes), size=n, p=[0.2, 0.35, 0.2, 0.25])
    mean_kw = rng.lognormal(np.log(300), 1.1, n)
    baseline = mean_kw[:, None] * shapes[kind] * rng.lognormal(0, 0.05, (n, 96))
    security = mean_kw * rng.uniform(0.05, 0.3, n)
    capacity = mean_kw[:, None] * np.column_stack(
        [rng.uniform(0, 0.25, n), rng.uniform(0, 0.2, n), rng.uniform(0, 0.4, n)]
    )
    max_hours = np.full((n, 3), np.inf)
    max_hours[:, 0] = np.where(rng.random(n) < 0.7, rng.uniform(2, 6, n), np.inf)
    max_hours[:, 1] = np.where(rng.random(n) < 0.5, rng.uniform(2, 4, n), np.inf)
    notice = np.column_stack(
        [rng.choice([2, 24], n), rng.choice([1, 2, 24], n), rng.choice([0.5, 1, 2], n)]
    )
    protection = rng.choice(3, size=n, p=[0.1, 0.8, 0.1])
    harm = rng.lognormal(np.log(8), 0.8, n) * rng.uniform(1.0, 2.0, n)
    participants = optimise.Participants(
        keys=[f"{i:010d}" for i in range(n)],
        baseline=baseline,
        security_kw=security,
        capacity=capacity,
        max_hours=max_hours,
        notice_hours=notice,
        protection=protection,
        harm=harm,
    )
    peak = baseline.sum(axis=0).max()
    hour = np.arange(96) / 4
    evening = np.clip(1 - np.abs(hour - 19.5) / 2.5, 0, 1) * 0.12 * peak
    morning = np.clip(1 - np.abs(hour - 10) / 1.5, 0, 1) * 0.06 * peak
    gap = np.tile(evening + morning, (days, 1))
    if all_day:
        # The hardest shape for the solver: a gap in every hour (24 linked periods).
        gap = np.tile(0.08 * peak * rng.uniform(0.5, 1.0, 96), (days, 1))
    first = date(2025, 7, 14)
    return optimise.Problem(
        participants=participants,
        days=[first + timedelta(days=d) for d in range(days)],
        gap=gap,
        lead_hours=np.array([36.0 + 24 * d for d in range(days)]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="var/bench_load/results.json")
    parser.add_argument("--all-day", action="store_true", help="a gap of 4-8 %% in every slot")
    parser.add_argument("--with-lp", action="store_true", help="also solve with HiGHS (slow)")
    args = parser.parse_args()

    started = time.perf_counter()
    problem = region(args.customers, args.days, args.seed, all_day=args.all_day)
    built = time.perf_counter() - started
    peak = float(problem.participants.baseline.sum(axis=0).max())
    level = optimise.warning_level(gap_kw=float(problem.gap.max()), peak_kw=peak)
    print(
        f"{args.customers:,} customers × 96 slots × {args.days} day(s); region peak "
        f"{peak / 1000:,.1f} MW, gap up to {problem.gap.max() / 1000:,.1f} MW "
        f"(warning level {level}); generated in {built:.1f} s"
    )
    runs = [("flow (exact)", optimise.solve(problem))]
    if args.with_lp:
        runs.append(("LP (HiGHS)", optimise.solve(problem, method="lp")))
    runs.append(("greedy", optimise.solve_greedy(problem)))
    rows = []
    for name, s in runs:
        rows.append(
            {
                "method": name,
                "feasible": s.feasible,
                "seconds": round(s.seconds, 2),
                "objective": round(s.objective, 1),
                "harm": round(s.harm, 1),
                "customers_scheduled": len(s.reductions),
                "columns": s.columns,
                "rounds": s.rounds,
            }
        )
        print(
            f"{name:>12}: {s.seconds:6.2f} s  objective {s.objective:>16,.1f}  harm "
            f"{s.harm:>14,.1f}  customers {len(s.reductions):>6,}  feasible {s.feasible}"
        )
    solved = runs[0][1]
    greedy = runs[-1][1]
    ratio = solved.objective / greedy.objective if greedy.objective else float("nan")
    print(f"objective ÷ greedy: {ratio:.4f} (≤ 1 is no worse)")
    print(f"time ÷ greedy: {solved.seconds / greedy.seconds:.2f}")
    if args.with_lp:
        print(f"objective ÷ HiGHS: {solved.objective / runs[1][1].objective:.10f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "customers": args.customers,
                "days": args.days,
                "seed": args.seed,
                "all_day": args.all_day,
                "peak_kw": peak,
                "warning_level": level,
                "results": rows,
                "objective_over_greedy": ratio,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
