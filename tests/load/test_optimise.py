"""The optimisation keeps the legal order, never cuts security load, reports an
infeasible gap slot by slot, and is the optimum of the full LP — with either solver: the
cheapest-first max flow (the default) and HiGHS."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from gridcrm.load import optimise
from gridcrm.load.optimise import Participants, Problem, warning_level


@pytest.mark.parametrize(
    ("gap", "peak", "level"),
    [
        (0, 1000, ""),
        (10, 1000, "IV"),
        (49.9, 1000, "IV"),
        (50, 1000, "III"),
        (99, 1000, "III"),
        (100, 1000, "II"),
        (199, 1000, "II"),
        (200, 1000, "I"),
        (800, 1000, "I"),
    ],
)
def test_the_warning_level_follows_the_gap_as_a_share_of_peak_demand(
    gap: float, peak: float, level: str
) -> None:
    assert warning_level(gap_kw=gap, peak_kw=peak) == level


@pytest.fixture(params=["flow", "lp"])
def method(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def participants(
    n: int,
    *,
    base: float = 1000.0,
    security: float = 200.0,
    capacity: tuple[float, float, float] = (100.0, 100.0, 300.0),
    protection: list[int] | None = None,
    harm: list[float] | None = None,
    max_hours: tuple[float, float, float] = (np.inf, np.inf, np.inf),
    notice: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> Participants:
    return Participants(
        keys=[f"{i:010d}" for i in range(n)],
        baseline=np.full((n, 96), base),
        security_kw=np.full(n, security),
        capacity=np.tile(np.array(capacity, dtype=float), (n, 1)),
        max_hours=np.tile(np.array(max_hours, dtype=float), (n, 1)),
        notice_hours=np.tile(np.array(notice, dtype=float), (n, 1)),
        protection=np.array(protection or [1] * n, dtype=np.int64),
        harm=np.array(harm or [1.0] * n, dtype=float),
    )


def evening(kw: float) -> np.ndarray:
    gap = np.zeros((1, 96))
    gap[0, 72:84] = kw  # 18:00-21:00
    return gap


def problem(p: Participants, gap: np.ndarray, **kw: object) -> Problem:
    days = [date(2025, 7, 15 + d) for d in range(len(gap))]
    return Problem(p, days, gap, np.full(len(gap), 48.0), **kw)  # type: ignore[arg-type]


def test_no_protected_customer_is_curtailed_while_an_unprotected_one_could_be(method: str) -> None:
    # Customer 0 protected with a tiny harm; 1 and 2 ordinary with large harm.
    p = participants(3, protection=[2, 1, 1], harm=[0.1, 50.0, 80.0])
    solution = optimise.solve(problem(p, evening(900)), method=method)

    assert solution.feasible
    assert 0 not in solution.reductions
    assert solution.covered[0, 72:84] == pytest.approx(900)


def test_a_protected_customer_is_touched_only_for_what_others_cannot_close(method: str) -> None:
    p = participants(3, protection=[2, 1, 1])  # unprotected offer 2 × 500 kW
    solution = optimise.solve(problem(p, evening(1200)), method=method)

    assert solution.feasible
    assert solution.reductions[0][0].sum(axis=0)[72:84] == pytest.approx(200)
    for i in (1, 2):
        assert solution.reductions[i][0].sum(axis=0)[72:84] == pytest.approx(500)


def test_priority_customers_go_first_and_the_legal_order_is_shift_then_avoid_then_limit(
    method: str,
) -> None:
    p = participants(2, protection=[1, 0], harm=[0.1, 10.0])
    solution = optimise.solve(problem(p, evening(150)), method=method)

    priority = solution.reductions[1][0]
    assert 0 not in solution.reductions
    assert priority[0, 72:84] == pytest.approx(100)  # all its shift
    assert priority[1, 72:84] == pytest.approx(50)  # then avoid
    assert priority[2].sum() == 0  # no limit


def test_security_loads_are_never_cut_and_the_fairness_cap_holds(method: str) -> None:
    rng = np.random.default_rng(3)
    n = 40
    p = participants(n)
    p.baseline = rng.uniform(200, 2000, (n, 96))
    p.security_kw = rng.uniform(50, 800, n)
    p.capacity = rng.uniform(0, 600, (n, 3))
    gap = evening(0.1 * p.baseline.sum(axis=0).max())
    solution = optimise.solve(problem(p, gap, fairness_cap=0.5), method=method)

    assert solution.feasible
    for i, r in solution.reductions.items():
        total = r[0].sum(axis=0)
        assert (total <= np.maximum(p.baseline[i] - p.security_kw[i], 0) + 1e-6).all()
        assert (total <= 0.5 * p.baseline[i] + 1e-6).all()


def test_an_infeasible_gap_is_reported_with_its_shortfall_per_slot_and_no_plan(method: str) -> None:
    p = participants(2)  # 2 × 500 kW can be shed
    gap = evening(800)
    gap[0, 80:84] = 1300  # 20:00-21:00 asks for 300 kW more than exists
    solution = optimise.solve(problem(p, gap), method=method)

    assert not solution.feasible
    assert solution.reductions == {}
    assert solution.shortfall[0, 80:84] == pytest.approx(300)
    assert solution.shortfall[0, :80].sum() == 0


def test_notice_hours_and_daily_hours_are_respected(method: str) -> None:
    p = participants(2, capacity=(400, 0, 0), max_hours=(2, np.inf, np.inf))
    p.notice_hours[1, 0] = 72  # customer 1 cannot be told in time
    p.capacity[1] = [0, 0, 400]
    gap = evening(300)
    solution = optimise.solve(problem(p, gap), method=method)

    assert solution.feasible
    shift = solution.reductions[0][0, 0]
    assert shift.sum() * 0.25 <= 400 * 2 + 1e-6  # at most two hours of its 400 kW
    assert solution.reductions[1][0, 0].sum() == 0


def test_an_excluded_customer_gets_nothing_and_a_pinned_one_keeps_its_schedule(method: str) -> None:
    p = participants(3)
    gap = evening(450)
    pinned = np.zeros((1, 3, 96))
    pinned[0, 2, 72:76] = 250.0
    solution = optimise.solve(
        problem(p, gap, excluded=frozenset({1}), pinned={0: pinned}), method=method
    )

    assert solution.feasible
    assert 1 not in solution.reductions
    assert np.array_equal(solution.reductions[0], pinned)


def _full_lp_objective(prob: Problem) -> float:
    """The same day's LP with every column and no tricks, straight through HiGHS."""
    ub, need, dt = optimise._periods(prob, optimise.offered(prob, 0), prob.gap[0])
    cost = optimise.costs(prob, np.zeros(len(prob.participants)))
    energy = optimise._energy_cap(prob)
    slots = np.flatnonzero(need > 0)
    _x, shortfall, _duals, _e, _cols = optimise._lp(ub, cost, energy, need, slots, ub > 1e-9, dt)
    assert shortfall.sum() == pytest.approx(0, abs=1e-6)
    return sum(float((cost[i] * arr.sum(axis=1) * dt).sum()) for i, arr in _x.items())


def test_both_solvers_reach_the_optimum_of_the_full_lp_and_beat_greedy(method: str) -> None:
    rng = np.random.default_rng(11)
    n = 300
    p = participants(n)
    p.baseline = rng.uniform(100, 3000, (n, 96))
    p.security_kw = p.baseline.mean(axis=1) * rng.uniform(0.05, 0.3, n)
    p.capacity = p.baseline.mean(axis=1)[:, None] * rng.uniform(0, 0.3, (n, 3))
    p.max_hours[:, 0] = np.where(rng.random(n) < 0.6, rng.uniform(1, 3, n), np.inf)
    p.protection = rng.choice(3, size=n, p=[0.1, 0.8, 0.1])
    p.harm = rng.lognormal(0, 0.8, n)
    gap = np.zeros((1, 96))
    gap[0, 68:88] = 0.12 * p.baseline.sum(axis=0).max()
    gap[0, 36:44] = 0.05 * p.baseline.sum(axis=0).max()
    prob = problem(p, gap)

    lp = optimise.solve(prob, method=method)
    greedy = optimise.solve_greedy(prob)

    assert lp.feasible
    assert greedy.feasible
    assert lp.objective == pytest.approx(_full_lp_objective(prob), rel=1e-7)
    assert lp.objective <= greedy.objective + 1e-6
