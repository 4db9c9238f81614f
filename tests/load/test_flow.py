"""The fast solver (cheapest-first max flow) gives the plan HiGHS gives on random
regions, keeps every rule of a plan, and still reports an infeasible gap."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from gridcrm.load import flow, optimise
from gridcrm.load.optimise import Participants, Problem

SLOTS_PER_PERIOD = 4


def random_region(seed: int, *, gap_share: float) -> Problem:
    """Customers with random load, security load, blocks, daily hours (many binding),
    notice and protection; a gap of ``gap_share`` of what they offer, over random hours
    of one or two days."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 160))
    base = rng.uniform(100, 3000, (n, 96)) * rng.choice([0.5, 1.0, 2.0], (n, 1))
    mean = base.mean(axis=1)
    p = Participants(
        keys=[f"{i:010d}" for i in range(n)],
        baseline=base,
        security_kw=mean * rng.uniform(0.0, 0.4, n),
        capacity=mean[:, None] * rng.uniform(0, 0.35, (n, 3)) * (rng.random((n, 3)) < 0.85),
        max_hours=np.where(rng.random((n, 3)) < 0.6, rng.uniform(0.5, 5, (n, 3)), np.inf),
        notice_hours=rng.choice([0.0, 2.0, 24.0, 72.0], (n, 3), p=[0.4, 0.3, 0.2, 0.1]),
        protection=rng.choice(3, n, p=[0.15, 0.7, 0.15]),
        harm=rng.lognormal(0, 1, n),
    )
    days = int(rng.integers(1, 3))
    gap = np.zeros((days, 96))
    problem = Problem(
        p, [date(2025, 7, 14 + d) for d in range(days)], gap, np.full(days, 30.0), fairness_cap=0.5
    )
    for d in range(days):
        offered = optimise.offered(problem, d).sum(axis=(0, 1))
        hours = rng.random(24) < rng.uniform(0.2, 1.0)
        gap[d] = np.repeat(hours, SLOTS_PER_PERIOD) * offered * gap_share * rng.uniform(0.6, 1, 96)
    return problem


def day_zero(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The first day as the solvers see it: blocks by period, costs, energy caps, need."""
    need = np.maximum(problem.gap[0] - optimise._pinned_cover(problem)[0], 0.0)
    ub, need_p, dt = optimise._periods(problem, optimise.offered(problem, 0), need)
    cost = optimise.costs(problem, np.zeros(len(problem.participants)))
    return ub, cost, optimise._energy_cap(problem), need_p, dt


def full_lp(
    ub: np.ndarray, cost: np.ndarray, energy: np.ndarray, need: np.ndarray, dt: float
) -> tuple[float, float]:
    """(cost, shortfall) of the day's LP with every column, straight through HiGHS."""
    slots = np.flatnonzero(need > 0)
    x, shortfall, _d, _e, _c = optimise._lp(ub, cost, energy, need, slots, ub > 1e-9, dt)
    value = sum(float((cost[i] * arr.sum(axis=1) * dt).sum()) for i, arr in x.items())
    return value, float(shortfall.sum())


def day_cost(x: dict[int, np.ndarray], cost: np.ndarray, dt: float) -> float:
    return sum(float((cost[i] * arr.sum(axis=1) * dt).sum()) for i, arr in x.items())


def test_a_cheaper_flexible_block_makes_room_for_a_dearer_fixed_one() -> None:
    # Two hours need 10 kW each. A (cheapest) may give 10 kW in either, 10 kW·h in all;
    # B can only give in the first hour, C (dearest) only in the second.
    u = np.array([[10.0, 10.0], [10.0, 0.0], [0.0, 10.0]])
    budget = np.array([10.0, np.inf, np.inf])
    result = flow.cheapest_first(u, budget, np.array([10.0, 10.0]))

    assert result.x[0] == pytest.approx([0.0, 10.0])  # A moved to the second hour
    assert result.x[1] == pytest.approx([10.0, 0.0])
    assert result.x[2] == pytest.approx([0.0, 0.0])  # C not needed
    assert result.residual == pytest.approx([0.0, 0.0])


@pytest.mark.parametrize("seed", range(12))
def test_the_flow_and_highs_give_the_same_optimum_on_random_days(seed: int) -> None:
    problem = random_region(seed, gap_share=0.5)
    ub, cost, energy, need, dt = day_zero(problem)

    fast = optimise._solve_day_flow(ub, cost, energy, need, dt)
    reference_cost, reference_shortfall = full_lp(ub, cost, energy, need, dt)
    lp = optimise._solve_day(ub, cost, energy, need, dt)

    assert fast.shortfall.sum() == pytest.approx(reference_shortfall, rel=1e-9, abs=1e-6)
    assert day_cost(fast.x, cost, dt) == pytest.approx(reference_cost, rel=1e-9)
    assert day_cost(lp.x, cost, dt) == pytest.approx(reference_cost, rel=1e-9)


@pytest.mark.parametrize("seed", [100, 103, 104, 105, 107])
def test_no_later_class_gives_while_an_earlier_one_could_give_more(seed: int) -> None:
    # Regions (seeds) whose gap needs protected customers too.
    problem = random_region(seed, gap_share=0.3)
    problem.gap = problem.gap[:1]
    problem.days = problem.days[:1]
    problem.lead_hours = problem.lead_hours[:1]
    ub, cost, energy, need, dt = day_zero(problem)
    solution = optimise.solve(problem)
    assert solution.feasible
    protection = problem.participants.protection
    given = np.zeros(len(optimise.PROTECTION_CLASSES))
    for i, r in solution.reductions.items():
        given[protection[i]] += r[0].sum() / SLOTS_PER_PERIOD  # kW × periods
    assert given[2] > 0

    for last in (0, 1):  # priority-limited alone, then with the ordinary customers
        earlier = (protection <= last)[:, None, None] & (ub > 1e-9)
        slots = np.flatnonzero(need > 0)
        _x, short, _d, _e, _c = optimise._lp(ub, cost, energy, need, slots, earlier, dt)
        most = need.sum() - short.sum()
        assert given[: last + 1].sum() == pytest.approx(most, rel=1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_every_schedule_keeps_security_load_caps_notice_and_daily_hours(seed: int) -> None:
    problem = random_region(200 + seed, gap_share=0.5)
    p = problem.participants
    excluded = int(np.argmax(p.capacity.sum(axis=1)))
    problem.excluded = frozenset({excluded})
    solution = optimise.solve(problem)
    if not solution.feasible:
        problem.gap *= 0.5
        solution = optimise.solve(problem)
    assert solution.feasible
    assert excluded not in solution.reductions

    for i, r in solution.reductions.items():
        assert (r >= -1e-9).all()
        for d in range(len(problem.days)):
            total = r[d].sum(axis=0)
            assert (total <= np.maximum(p.baseline[i] - p.security_kw[i], 0) + 1e-6).all()
            assert (total <= problem.fairness_cap * p.baseline[i] + 1e-6).all()
            for a in range(len(optimise.ACTIONS)):
                assert (r[d, a] <= p.capacity[i, a] + 1e-6).all()
                if p.notice_hours[i, a] > problem.lead_hours[d]:
                    assert r[d, a].sum() == 0
                if np.isfinite(p.max_hours[i, a]):
                    energy = r[d, a].sum() * optimise.HOURS_PER_SLOT
                    assert energy <= p.capacity[i, a] * p.max_hours[i, a] + 1e-6
    covered = solution.covered
    assert (covered >= problem.gap - 1e-6 * np.maximum(problem.gap, 1)).all()


@pytest.mark.parametrize("seed", range(4))
def test_an_infeasible_day_is_reported_with_the_shortfall_highs_finds(seed: int) -> None:
    problem = random_region(300 + seed, gap_share=1.3)
    problem.gap = problem.gap[:1]
    problem.days = problem.days[:1]
    problem.lead_hours = problem.lead_hours[:1]
    ub, cost, energy, need, dt = day_zero(problem)

    solution = optimise.solve(problem)
    fast = optimise._solve_day_flow(ub, cost, energy, need, dt)
    _cost, reference_shortfall = full_lp(ub, cost, energy, need, dt)

    assert not solution.feasible
    assert solution.reductions == {}
    assert solution.shortfall[0][problem.gap[0] == 0].sum() == 0
    assert solution.shortfall.sum() > 0
    assert fast.shortfall.sum() == pytest.approx(reference_shortfall, rel=1e-9)
