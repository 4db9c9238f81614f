"""The orderly-power-use optimisation (R8): who reduces how much load in which 15-minute
slot, in the legal order, at the least weighted harm. Pure numpy + HiGHS; no Django.

The model, per day ``d`` and slot ``t`` with a supply gap ``gap[d, t] > 0``:

- each customer ``i`` offers three disjoint blocks of load, in the legal order
  错峰 *shift* → 避峰 *avoid* → 限电 *limit*: its shiftable, curtailable and
  interruptible kW. In each slot the blocks are filled from the load it has above its
  **security load** (保安负荷, never cut) and below the **fairness cap** (at most that
  share of its load in the slot), shift first; so no schedule can touch the security
  load or exceed the cap.
- an action is offered only if it can be announced in time: the hours from the notice
  to the day's start must reach the customer's notice hours for that action;
- shift and avoid may last at most the customer's declared hours a day (an energy row);
- the **cost** of a kW·h is lexicographic in (protection class, action) — priority-limited
  customers (优先限制) before ordinary ones before protected ones, and within those shift
  before avoid before limit — and, within one (class, action) tier, grows with the
  customer's harm (value and sensitivity coefficients). Tier bases grow by a factor larger
  than the spread of harm inside a tier, so the LP never uses a kW of a later tier while
  one of an earlier tier could close the same slot: a protected customer is not touched
  while an unprotected one could be;
- **rotation**: days are solved in order, and a customer's harm grows with the share of
  earlier days it was already scheduled, so the burden rotates;
- the gap must be closed in every slot. A shortfall variable per slot (at a cost above
  every tier) measures what cannot be closed; if any remains the plan is infeasible and
  the result carries the shortfall per slot and no schedules.

Solvers: the cost of a kW·h sits on the block alone (not on the slot), so one day is a
transportation problem whose cheapest solution is the greedy max flow — each block in
order of cost gives as much as a max flow allows. ``flow`` computes it exactly (the
default, seconds at 50,000 customers). The same LP through HiGHS (``method="lp"``) is
kept as the reference the tests compare against: 50,000 customers × 96 slots × 3 actions
are 14 M columns, so it starts from the customers whose cumulative capacity, in cost
order, covers each slot's gap with a margin, and adds every excluded column whose reduced
cost is negative until none is (column generation) — exact, but minutes at that size.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date

import highspy
import numpy as np
import numpy.typing as npt

from gridcrm.load import flow

SLOTS = 96
HOURS_PER_SLOT = 0.25
ACTIONS = ("shift", "avoid", "limit")
PROTECTION_CLASSES = ("priority", "normal", "protected")
TIER_BASE = 2.5
"""Cost ratio between consecutive (class, action) tiers; harm inside a tier spans [1, 2)."""
SHORTFALL_COST = TIER_BASE ** (len(ACTIONS) * len(PROTECTION_CLASSES) + 2)
_TOL = 1e-6

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass
class Participants:
    """The customers a plan may schedule, as arrays of length ``n`` (rows in one order)."""

    keys: list[str]
    baseline: Floats
    """(n, 96) expected kW per slot of the day, without the plan."""
    security_kw: Floats
    capacity: Floats
    """(n, 3) kW of shiftable, curtailable and interruptible load."""
    max_hours: Floats
    """(n, 3) most hours a day each action may last (``inf``: no limit)."""
    notice_hours: Floats
    """(n, 3) notice each action needs, in hours."""
    protection: Ints
    """(n,) index into ``PROTECTION_CLASSES``."""
    harm: Floats
    """(n,) weighted harm of one kWh not supplied (value × sensitivity), > 0."""

    def __len__(self) -> int:
        return len(self.keys)


@dataclass
class Problem:
    participants: Participants
    days: list[date]
    gap: Floats
    """(days, 96) kW to close."""
    lead_hours: Floats
    """(days,) hours from the notice to the start of each day."""
    fairness_cap: float = 0.6
    """A customer loses at most this share of its load in any slot."""
    rotation_weight: float = 0.5
    resolution: int = 4
    """Slots a decision is held for (4: whole hours); a divisor of 96."""
    pinned: dict[int, Floats] = field(default_factory=dict)
    """Customer index → fixed (days, 3, 96) reductions kept as they are."""
    excluded: frozenset[int] = frozenset()


@dataclass
class Solution:
    feasible: bool
    reductions: dict[int, Floats]
    """Customer index → (days, 3, 96) kW reductions (only customers with any)."""
    shortfall: Floats
    """(days, 96) kW that could not be closed (all zero when feasible)."""
    objective: float
    """Σ cost × kWh (the LP's objective over the whole plan, pinned customers included)."""
    harm: float
    """Σ harm × kWh, unscaled."""
    seconds: float
    columns: int = 0
    rounds: int = 0

    @property
    def covered(self) -> Floats:
        """(days, 96) kW closed by the schedules."""
        if not self.reductions:
            return np.zeros_like(self.shortfall)
        return np.sum([r.sum(axis=1) for r in self.reductions.values()], axis=0)  # type: ignore[no-any-return]


def warning_level(*, gap_kw: float, peak_kw: float) -> str:
    """The warning level of a supply gap as a share of peak demand (有序用电预警):
    I red ≥ 20 %, II orange 10–20 %, III yellow 5–10 %, IV blue below 5 %; ``""`` when
    there is no gap."""
    if gap_kw <= 0:
        return ""
    if peak_kw <= 0:
        return "I"
    share = gap_kw / peak_kw
    if share >= 0.20:
        return "I"
    if share >= 0.10:
        return "II"
    if share >= 0.05:
        return "III"
    return "IV"


# -- the pieces shared by the LP and the greedy baseline -------------------------------


def offered(problem: Problem, day: int) -> Floats:
    """(n, 3, 96) kW each customer can give per action and slot on ``day``."""
    p = problem.participants
    base = np.maximum(p.baseline, 0.0)
    room = np.minimum(base - p.security_kw[:, None], problem.fairness_cap * base)
    room = np.maximum(room, 0.0)
    ub = np.zeros((len(p), len(ACTIONS), SLOTS))
    for a in range(len(ACTIONS)):
        block = np.minimum(p.capacity[:, a : a + 1], room)
        ub[:, a, :] = block
        room = room - block
    late = p.notice_hours > problem.lead_hours[day]
    ub[late] = 0.0
    if problem.excluded:
        ub[sorted(problem.excluded)] = 0.0
    if problem.pinned:
        ub[sorted(problem.pinned)] = 0.0
    return ub


def costs(problem: Problem, used_days: Floats) -> Floats:
    """(n, 3) cost of a kWh by customer and action: the tier base × (1 + normalised harm)."""
    p = problem.participants
    harm = p.harm * (1.0 + problem.rotation_weight * used_days)
    spread = float(harm.max() - harm.min()) if len(harm) else 0.0
    norm = (harm - harm.min()) / spread if spread > 0 else np.zeros_like(harm)
    norm = np.minimum(norm, 0.999)
    tier = p.protection[:, None] * len(ACTIONS) + np.arange(len(ACTIONS))[None, :]
    result: Floats = np.power(TIER_BASE, tier) * (1.0 + norm[:, None])
    return result


def _energy_cap(problem: Problem) -> Floats:
    """(n, 3) kWh a day each action may give (``inf`` where its hours are unlimited)."""
    p = problem.participants
    with np.errstate(invalid="ignore"):
        cap = p.capacity * p.max_hours
    cap[np.isinf(p.max_hours)] = np.inf
    return cap


def _pinned_cover(problem: Problem) -> Floats:
    total = np.zeros_like(problem.gap)
    for fixed in problem.pinned.values():
        total += fixed.sum(axis=1)
    return total


# -- the LP -----------------------------------------------------------------------------


def _marginal_price(
    ub: Floats, cost: Floats, need: Floats, slots: npt.NDArray[np.intp], dt: float
) -> Floats:
    """Per slot, the cost·h of the last kW needed if energy caps did not bind (the price
    of the relaxed problem; ``inf`` where all of it would not close the slot)."""
    order = np.argsort(cost, axis=None, kind="stable")
    rows, acts = np.unravel_index(order, cost.shape)
    sorted_cost = cost[rows, acts] * dt
    price = np.zeros(ub.shape[2])
    for t in slots:
        filled = np.cumsum(ub[rows, acts, t])
        k = int(np.searchsorted(filled, need[t] - 1e-9))
        price[t] = sorted_cost[k] if k < len(sorted_cost) else np.inf
    return price


def _candidates(ub: Floats, cost: Floats, need: Floats, free: Bools, margin: float = 1.5) -> Bools:
    """Columns not fixed that, taken cheapest first, cover each slot's remaining need
    with a margin: (n, 3, 96) mask."""
    chosen = np.zeros(ub.shape, dtype=bool)
    order = np.argsort(cost, axis=None, kind="stable")
    rows, acts = np.unravel_index(order, cost.shape)
    for t in np.flatnonzero(need > 0):
        col = np.where(free[rows, acts, t], ub[rows, acts, t], 0.0)
        filled = np.cumsum(col)
        k = int(np.searchsorted(filled, need[t] * margin + 1e-9)) + 1
        k = min(k, len(rows))
        chosen[rows[:k], acts[:k], t] = True
    return chosen & free & (ub > _TOL)


@dataclass
class _DayResult:
    x: dict[int, Floats]
    shortfall: Floats
    columns: int
    rounds: int


def _solve_day(ub: Floats, cost: Floats, energy: Floats, need: Floats, dt: float) -> _DayResult:
    """The LP of one day over periods of ``dt`` hours (ub: (n, 3, P), need: (P,))."""
    periods = ub.shape[2]
    slots = np.flatnonzero(need > 0)
    if len(slots) == 0:
        return _DayResult({}, np.zeros(periods), 0, 0)
    ub = ub.copy()
    ub[:, :, need <= 0] = 0.0
    # An energy cap binds only if the action could otherwise last longer than it allows.
    binding = np.isfinite(energy) & (ub.sum(axis=2) * dt > energy + _TOL)
    energy = np.where(binding, energy, np.inf)
    # Columns without a binding cap that are cheaper than the slot's relaxed price are
    # used in full: fix them at their bound, and keep the LP to the margin. (Checked
    # against the LP's prices below; a wrong guess is released and solved again.)
    price0 = _marginal_price(ub, cost, need, slots, dt)
    col_cost = cost[:, :, None] * dt
    uncapped = (~binding)[:, :, None] & (ub > _TOL)
    fixed = uncapped & (col_cost < price0[None, None, :])
    free = ~fixed
    # For choosing candidates a block with a binding cap counts with the share of its
    # per-period room that its energy can fill on average.
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(binding, energy / np.maximum(ub.sum(axis=2) * dt, _TOL), 1.0)
    chosen = _candidates(
        ub * np.minimum(share, 1.0)[:, :, None],
        cost,
        np.maximum(need - (ub * fixed).sum(axis=(0, 1)), 0.0),
        free,
    )
    # A block with a binding cap goes where the gap is largest: start it on as many of
    # its largest-gap periods as its energy lasts, plus one.
    rank = np.empty(periods, dtype=np.int64)
    rank[np.argsort(-need, kind="stable")] = np.arange(periods)
    mean_ub = ub.sum(axis=2) / np.maximum((ub > _TOL).sum(axis=2), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(binding, np.ceil(energy / np.maximum(mean_ub * dt, _TOL)) + 1, periods)
    chosen &= ~binding[:, :, None] | (rank[None, None, :] < reach[:, :, None])
    rounds = 0
    while True:
        rounds += 1
        fixed_cover = (ub * fixed).sum(axis=(0, 1))
        x, shortfall, duals, energy_duals, columns = _lp(
            ub, cost, energy, np.maximum(need - fixed_cover, 0.0), slots, chosen, dt
        )
        price = np.zeros(periods)
        price[slots] = duals
        # Reduced cost of a column left out is cost·h − the dual of its slot (its own
        # rows are slack at zero); a negative one would lower the objective: add it.
        # A fixed column whose cost is above its slot's dual should not be at its bound.
        # Reduced cost of a column: cost·h − the dual of its period − h × the dual of its
        # energy row (zero for blocks not in the LP). A negative one left out would lower
        # the objective: add it. A fixed column above its period's price must not be at
        # its bound: release it into the LP.
        reduced = col_cost - price[None, None, :] - dt * energy_duals[:, :, None]
        improving = ~chosen & free & (ub > _TOL) & (reduced < -1e-7)
        wrong = fixed & (col_cost > price[None, None, :] + 1e-7)
        if (not improving.any() and not wrong.any()) or rounds >= 30:
            break
        chosen |= improving | wrong
        fixed &= ~wrong
        free = ~fixed
    for i, a, t in zip(*np.nonzero(fixed), strict=True):
        arr = x.get(int(i))
        if arr is None:
            arr = x[int(i)] = np.zeros((len(ACTIONS), periods))
        arr[a, t] = ub[i, a, t]
    return _DayResult(x, shortfall, columns, rounds)


def _lp(
    ub: Floats,
    cost: Floats,
    energy: Floats,
    need: Floats,
    slots: npt.NDArray[np.intp],
    columns: Bools,
    dt: float,
) -> tuple[dict[int, Floats], Floats, Floats, Floats, int]:
    """One LP over the chosen columns x[i, a, t] and one shortfall column per slot;
    rows: coverage per slot, energy per (i, a) whose cap binds."""
    n_slots = len(slots)
    periods = ub.shape[2]
    slot_row = np.full(periods, -1, dtype=np.int64)
    slot_row[slots] = np.arange(n_slots)
    i_idx, a_idx, t_idx = np.nonzero(columns)
    n_x = len(i_idx)
    e_keys = np.isfinite(energy[i_idx, a_idx])
    pairs, e_inverse = np.unique(i_idx[e_keys] * len(ACTIONS) + a_idx[e_keys], return_inverse=True)
    e_rows = np.full(n_x, -1, dtype=np.int64)
    e_rows[e_keys] = n_slots + e_inverse
    n_rows = n_slots + len(pairs)
    cap_e = energy[pairs // len(ACTIONS), pairs % len(ACTIONS)]

    col_cost = np.concatenate([cost[i_idx, a_idx] * dt, np.full(n_slots, SHORTFALL_COST)])
    col_upper = np.concatenate([ub[i_idx, a_idx, t_idx], np.full(n_slots, highspy.kHighsInf)])
    # Column-wise matrix: x has 1 in its slot row (and ``dt`` in its energy row).
    has_e = e_rows >= 0
    counts = 1 + has_e.astype(np.int64)
    start = np.zeros(n_x + n_slots + 1, dtype=np.int32)
    start[1 : n_x + 1] = np.cumsum(counts)
    start[n_x + 1 :] = start[n_x] + np.arange(1, n_slots + 1)
    index = np.empty(int(start[-1]), dtype=np.int32)
    value = np.empty(int(start[-1]))
    first = start[:n_x]
    index[first] = slot_row[t_idx]
    value[first] = 1.0
    index[first[has_e] + 1] = e_rows[has_e]
    value[first[has_e] + 1] = dt
    index[start[n_x] :] = np.arange(n_slots)
    value[start[n_x] :] = 1.0

    row_lower = np.concatenate([need[slots], np.full(n_rows - n_slots, -highspy.kHighsInf)])
    row_upper = np.concatenate([np.full(n_slots, highspy.kHighsInf), cap_e.astype(np.float64)])

    lp = highspy.HighsLp()
    lp.num_col_ = n_x + n_slots
    lp.num_row_ = n_rows
    lp.col_cost_ = col_cost
    lp.col_lower_ = np.zeros(n_x + n_slots)
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    # Presolve costs far more than it saves on this bound-heavy, few-row structure.
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_dual_edge_weight_strategy", 1)  # Devex: faster here
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS: {h.modelStatusToString(h.getModelStatus())}")
    solution = h.getSolution()
    values = np.asarray(solution.col_value)
    row_duals = np.asarray(solution.row_dual)
    duals = row_duals[:n_slots]
    energy_duals = np.zeros(energy.shape)
    energy_duals[pairs // len(ACTIONS), pairs % len(ACTIONS)] = row_duals[n_slots:]
    shortfall = np.zeros(periods)
    shortfall[slots] = values[n_x:]
    x: dict[int, Floats] = {}
    used = values[:n_x] > 1e-7
    for k in np.flatnonzero(used):
        i = int(i_idx[k])
        arr = x.get(i)
        if arr is None:
            arr = x[i] = np.zeros((len(ACTIONS), periods))
        arr[a_idx[k], t_idx[k]] = values[k]
    return x, shortfall, duals, energy_duals, n_x + n_slots


def _finish(
    problem: Problem, per_day: list[dict[int, Floats]]
) -> tuple[dict[int, Floats], float, float]:
    p = problem.participants
    days = len(problem.days)
    reductions: dict[int, Floats] = {i: fixed.copy() for i, fixed in problem.pinned.items()}
    for d, x in enumerate(per_day):
        for i, arr in x.items():
            if i not in reductions:
                reductions[i] = np.zeros((days, len(ACTIONS), SLOTS))
            reductions[i][d] = arr
    objective = 0.0
    harm = 0.0
    used = np.zeros(len(p))
    for d in range(days):
        cost = costs(problem, used)
        today = np.zeros(len(p), dtype=bool)
        for i, r in reductions.items():
            kwh = r[d].sum(axis=1) * HOURS_PER_SLOT
            if kwh.sum() > 0:
                objective += float((cost[i] * kwh).sum())
                harm += float(p.harm[i] * kwh.sum())
                today[i] = True
        used = used + today
    return reductions, objective, harm


def _periods(problem: Problem, ub: Floats, need: Floats) -> tuple[Floats, Floats, float]:
    """Decisions are held for ``problem.resolution`` slots at a time (an order says
    "17:00-18:00, 300 kW"): a period offers the least of its slots and must close the
    largest gap among them."""
    r = problem.resolution
    p = SLOTS // r
    # The reduction holds through the whole period, so every slot of it bounds it.
    period_ub = ub.reshape(ub.shape[0], ub.shape[1], p, r).min(axis=3)
    period_need = need.reshape(p, r).max(axis=1)
    period_ub[:, :, period_need <= 0] = 0.0
    return period_ub, period_need, r * HOURS_PER_SLOT


def _expand(problem: Problem, x: dict[int, Floats]) -> dict[int, Floats]:
    return {i: np.repeat(arr, problem.resolution, axis=1) for i, arr in x.items()}


def _slot_shortfall(need: Floats, x: dict[int, Floats]) -> Floats:
    covered = np.zeros(SLOTS)
    for arr in x.values():
        covered += arr.sum(axis=0)
    short = np.maximum(need - covered, 0.0)
    short[short < 1e-6 * np.maximum(need, 1.0)] = 0.0
    return short


def _used_today(problem: Problem, x: dict[int, Floats], d: int) -> Floats:
    today = np.zeros(len(problem.participants))
    today[list(x)] = 1.0
    today[[i for i, fixed in problem.pinned.items() if fixed[d].any()]] = 1.0
    return today


def _result(
    problem: Problem,
    per_day: list[dict[int, Floats]],
    shortfall: Floats,
    started: float,
    columns: int = 0,
    rounds: int = 0,
) -> Solution:
    feasible = not bool((shortfall > 1e-4 * np.maximum(problem.gap, 1.0)).any())
    elapsed = time.perf_counter() - started
    if not feasible:
        return Solution(False, {}, shortfall, math.nan, math.nan, elapsed, columns, rounds)
    reductions, objective, harm = _finish(problem, per_day)
    return Solution(
        True, reductions, np.zeros_like(shortfall), objective, harm, elapsed, columns, rounds
    )


def _solve_day_flow(
    ub: Floats, cost: Floats, energy: Floats, need: Floats, dt: float
) -> _DayResult:
    """The same optimum as ``_solve_day`` by the cheapest-first max flow of ``flow``."""
    periods = ub.shape[2]
    sinks = np.flatnonzero(need > 0)
    if len(sinks) == 0:
        return _DayResult({}, np.zeros(periods), 0, 0)
    u = ub[:, :, sinks].reshape(-1, len(sinks))
    blocks = np.flatnonzero(u.max(axis=1) > _TOL)
    u = u[blocks]
    block_energy = energy.ravel()[blocks]
    with np.errstate(invalid="ignore"):
        binding = np.isfinite(block_energy) & (u.sum(axis=1) * dt > block_energy + _TOL)
    budget = np.where(binding, block_energy / dt, np.inf)
    order = np.argsort(cost.ravel()[blocks], kind="stable")
    result = flow.cheapest_first(u[order], budget[order], need[sinks])
    x: dict[int, Floats] = {}
    given = blocks[order]
    for k in np.flatnonzero(result.x.sum(axis=1) > 1e-7):
        i, a = divmod(int(given[k]), len(ACTIONS))
        arr = x.get(i)
        if arr is None:
            arr = x[i] = np.zeros((len(ACTIONS), periods))
        arr[a, sinks] = result.x[k]
    shortfall = np.zeros(periods)
    shortfall[sinks] = result.residual
    return _DayResult(x, shortfall, len(blocks), result.pushed_alone)


def solve(problem: Problem, *, method: str = "flow") -> Solution:
    """The least-harm plan in the legal order, or the shortfall per slot if none closes
    the gap (then ``reductions`` is empty: no half plan).

    ``method`` "flow" (the default) solves each day by the cheapest-first max flow of
    ``flow``; "lp" by HiGHS with column generation — the same optimum, kept as the
    reference the tests and the benchmark compare against."""
    day_solver = {"flow": _solve_day_flow, "lp": _solve_day}[method]
    started = time.perf_counter()
    p = problem.participants
    days = len(problem.days)
    need_all = np.maximum(problem.gap - _pinned_cover(problem), 0.0)
    energy = _energy_cap(problem)
    used = np.zeros(len(p))
    shortfall = np.zeros((days, SLOTS))
    per_day: list[dict[int, Floats]] = []
    columns = rounds = 0
    for d in range(days):
        ub, need, dt = _periods(problem, offered(problem, d), need_all[d])
        result = day_solver(ub, costs(problem, used), energy, need, dt)
        x = _expand(problem, result.x)
        per_day.append(x)
        shortfall[d] = _slot_shortfall(need_all[d], x)
        columns = max(columns, result.columns)
        rounds += result.rounds
        used = used + _used_today(problem, x, d)
    return _result(problem, per_day, shortfall, started, columns, rounds)


def solve_greedy(problem: Problem) -> Solution:
    """The baseline: period by period in time order, the largest of the cheapest blocks
    first (same periods, costs, caps, notice and energy limits as the LP)."""
    started = time.perf_counter()
    p = problem.participants
    days = len(problem.days)
    need_all = np.maximum(problem.gap - _pinned_cover(problem), 0.0)
    energy_cap = _energy_cap(problem)
    used = np.zeros(len(p))
    shortfall = np.zeros((days, SLOTS))
    per_day: list[dict[int, Floats]] = []
    for d in range(days):
        ub, need_p, dt = _periods(problem, offered(problem, d), need_all[d])
        cost = costs(problem, used)
        left = energy_cap.copy()
        x: dict[int, Floats] = {}
        for t in np.flatnonzero(need_p > 0):
            avail = np.minimum(ub[:, :, t], left / dt)
            flat = avail.ravel()
            order = np.lexsort((-flat, cost.ravel()))
            take_sorted = flat[order]
            filled = np.cumsum(take_sorted)
            before = filled - take_sorted
            amount = np.clip(need_p[t] - before, 0.0, take_sorted)
            for k in np.flatnonzero(amount > 1e-9):
                i, a = divmod(int(order[k]), len(ACTIONS))
                arr = x.get(i)
                if arr is None:
                    arr = x[i] = np.zeros((len(ACTIONS), len(need_p)))
                arr[a, t] = amount[k]
                left[i, a] -= amount[k] * dt
        x = _expand(problem, x)
        per_day.append(x)
        shortfall[d] = _slot_shortfall(need_all[d], x)
        used = used + _used_today(problem, x, d)
    return _result(problem, per_day, shortfall, started)
