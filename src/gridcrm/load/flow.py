"""The exact solver of one day of a plan: a cheapest-first max flow over the periods.

One day of the plan (see ``optimise``) is a transportation problem. Every block
(customer, action) is a *source* that gives at most ``u[s, t]`` kW in period ``t`` and,
if its daily hours bind, at most ``budget[s]`` kW·periods in all; every period with a gap
is a *sink* that needs ``need[t]`` kW; and a kW·period costs the block's cost whatever
the period. With the cost on the source alone, the amounts the blocks can give together
form a polymatroid (the rank of a set of blocks is the max flow from it), so the cheapest
plan is the greedy one (Edmonds 1970): take the blocks in order of cost and let each give
as much as a max flow allows. That is the legal order itself — nothing of a dearer tier
while a cheaper block could still close the gap — and it depends on the order of the
costs only. The shortfall is what the max flow of all blocks leaves in each sink.

The flow is kept by augmenting paths over the sinks alone (at most 24 nodes): a sink
``t`` passes flow to ``t'`` through any block with a budget that gives in ``t`` and has
room in ``t'`` (it gives less in ``t`` and more in ``t'``: same energy); ``transfer[t,
t']`` keeps the sum of what those blocks can move. Blocks without a binding budget give
each period independently, so they never pass flow on. A saturated sink from which no
unsaturated one can be reached is *closed* and stays closed (augmenting elsewhere never
opens a path from it), so later blocks give it nothing.

Speed: blocks are taken in windows. A window whose blocks fit where there is room is
placed at once. Otherwise, if every block of the window can give all it can, their
order does not matter, so the window is placed whole and the overflow of each sink is
pushed along transfer paths; if that fails the window is undone and shrunk. Only a block
that cannot give all it can — one that closes sinks, at most once per sink — is pushed
alone. A push moves flow through the few rows it needs (found by a rotating scan), not
through all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
Bools = npt.NDArray[np.bool_]


@dataclass
class Flow:
    x: Floats
    """(m, k) kW by source (in the order given) and sink."""
    residual: Floats
    """(k,) kW of each sink's need left open (the shortfall)."""
    pushed_alone: int
    """Blocks pushed one at a time (each closes sinks)."""


def _transfer(x: Floats, u: Floats) -> Floats:
    """(k, k) Σ over rows of min(x[:, t], room[:, t']): what the rows can move from t to t'."""
    if len(x) == 0:
        return np.zeros((x.shape[1], x.shape[1]))
    moved: Floats = np.minimum(x[:, :, None], (u - x)[:, None, :]).sum(axis=0)
    np.fill_diagonal(moved, 0.0)
    return moved


def _lines(x: Floats, u: Floats, ends: list[int]) -> tuple[Floats, Floats]:
    """The rows ``ends`` (2, k) and the columns ``ends`` (k, 2) of ``_transfer(x, u)``
    (diagonal included)."""
    room = u - x
    out: Floats = np.minimum(x[:, ends, None], room[:, None, :]).sum(axis=0)
    into: Floats = np.minimum(x[:, :, None], room[:, None, ends]).sum(axis=0)
    return out, into


class _State:
    """The flow while blocks are added in order of cost."""

    def __init__(self, u: Floats, budget: Floats, need: Floats) -> None:
        m, k = u.shape
        self.u = u
        self.budget = budget
        self.capped = np.isfinite(budget)
        self.tol = 1e-9 * max(1.0, float(need.max(initial=0.0)))
        self.x = np.zeros((m, k))
        # Rows of the capped sources, packed in cost order: the transfer paths' material.
        self.cpos = np.cumsum(self.capped) - 1
        self.uc = u[self.capped]
        self.xc = np.zeros_like(self.uc)
        self.cdone = 0  # capped rows [0, cdone) have been placed
        self.transfer = np.zeros((k, k))
        self.cursor = np.zeros((k, k), dtype=np.intp)
        self.r = need.astype(np.float64).copy()
        self.closed = np.zeros(k, dtype=bool)
        self.journal: list[tuple[Ints, Floats]] | None = None
        """Rows of ``xc`` as they were before each move, while a window is on trial."""
        self.pushed_alone = 0

    # -- batches ---------------------------------------------------------------------

    def _give(self, start: int, stop: int) -> Floats:
        """What each of sources [start, stop) gives if it gives all it can to the open
        sinks (with a budget: to the unsaturated ones first, pro rata)."""
        free = self.r > self.tol
        full = ~free & ~self.closed
        u = self.u[start:stop]
        capped = self.capped[start:stop]
        budget = self.budget[start:stop]
        on_free = u * free
        on_full = u * full
        room_free = on_free.sum(axis=1)
        room_full = on_full.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            first = np.where(capped & (room_free > budget), budget / room_free, 1.0)
            rest = np.where(
                capped, np.clip(np.nan_to_num((budget - room_free) / room_full), 0.0, 1.0), 1.0
            )
        give: Floats = on_free * first[:, None] + on_full * rest[:, None]
        return give

    def _place(self, start: int, give: Floats) -> None:
        """Record what sources [start, start + len(give)) give (the sinks' rooms are the
        caller's)."""
        rows = np.arange(start, start + len(give))
        self.x[rows] = give
        mask = self.capped[rows]
        if mask.any():
            pos = self.cpos[rows[mask]]
            self.xc[pos] = give[mask]
            self.transfer += _transfer(give[mask], self.uc[pos])
            self.cdone = int(pos[-1]) + 1

    def batch(self, start: int, stop: int) -> int:
        """Give sources [start, stop) all they can: as many of the first as fit where
        there is room, or else, if transfer paths make room for all of them, all of
        them; returns how many were given (0: the state is unchanged). A first source
        that gives more than all the need left is pushed alone."""
        tol = self.tol
        give = self._give(start, stop)
        total = np.cumsum(give, axis=0)
        ok: Bools = np.all(total <= self.r + tol, axis=1)
        n = len(ok) if ok.all() else int(np.argmin(ok))
        if n > 0:
            self._place(start, give[:n])
            self.r = np.maximum(self.r - total[n - 1], 0.0)
            return n
        # A window that gives more than all the open need left cannot give all: try only
        # the part that could (the first source alone if it already gives too much).
        room = float(self.r.sum()) + tol
        fits = int(np.searchsorted(total.sum(axis=1), room, side="right"))
        if fits == 0:
            self.push(start)
            return 1
        stop = start + fits
        give, total = give[:fits], total[:fits]
        # When every source of the window gives all it can, their order does not matter:
        # place them all, then push the overflow of each sink along transfer paths.
        saved = (self.transfer.copy(), self.r.copy(), self.closed.copy(), self.cdone)
        self.journal = []
        self._place(start, give)
        entry = np.maximum(total[-1] - self.r, 0.0)
        self.r = np.maximum(self.r - total[-1], 0.0)
        left = float(entry.sum())
        while left > tol:
            moved = self._augment(entry, left)
            if moved == 0.0:
                break
            left -= moved
        journal, self.journal = self.journal, None
        if left <= tol * len(entry):
            return stop - start
        for rows, old in reversed(journal):
            self.xc[rows] = old
        capped = self.capped[start:stop]
        self.xc[self.cpos[start:stop][capped]] = 0.0
        self.x[start:stop] = 0.0
        self.transfer, self.r, self.closed, self.cdone = saved
        return 0

    # -- one by one ------------------------------------------------------------------

    def push(self, s: int) -> None:
        """Give as much of source ``s`` as a max flow allows (direct, then by paths)."""
        self.pushed_alone += 1
        tol = self.tol
        u = self.u[s]
        direct = np.minimum(u, self.r)
        direct[direct < tol] = 0.0
        if self.capped[s]:
            budget = float(self.budget[s])
            total = float(direct.sum())
            if total > budget:
                direct *= budget / total
            self.r = np.maximum(self.r - direct, 0.0)
            entry = u - direct
            left = budget - float(direct.sum())
            while left > tol:
                moved = self._augment(entry, left)
                if moved == 0.0:
                    break
                left -= moved
            x = u - entry
            p = int(self.cpos[s])
            self.xc[p] = x
            self.transfer += _transfer(x[None, :], u[None, :])
            self.cdone = p + 1
        else:
            # Without a budget each period is a source of its own.
            self.r = np.maximum(self.r - direct, 0.0)
            x = direct
            for t in np.flatnonzero((u - x > tol) & ~self.closed):
                entry = np.zeros_like(u)
                entry[t] = u[t] - x[t]
                while entry[t] > tol:
                    if self._augment(entry, float(entry[t])) == 0.0:
                        break
                x[t] = u[t] - entry[t]
        self.x[s] = x

    def _augment(self, entry: Floats, left: float) -> float:
        """Send up to ``left`` from the sinks with ``entry`` room (reduced in place: the
        source gives ``u - entry``) along one path to an unsaturated sink; returns the
        amount, 0.0 when there is none (and the sinks reached are closed)."""
        tol = self.tol
        starts = np.flatnonzero((entry > tol) & ~self.closed)
        if len(starts) == 0:
            return 0.0
        while True:
            path, reached = self._path(starts)
            if path is None:
                self.closed |= reached
                return 0.0
            moves: list[tuple[Ints, Floats]] = []
            amount = min(left, float(entry[path[0]]), float(self.r[path[-1]]))
            for a, b in zip(path, path[1:], strict=False):
                rows, take = self._gather(a, b, amount)
                moves.append((rows, take))
                carried = float(take.sum())
                if carried <= tol:
                    # What the sum promised is rows of rounding dust: drop the edge.
                    self.transfer[a, b] = 0.0
                amount = min(amount, carried)
                if amount <= tol:
                    break
            if amount > tol:
                break
        for (a, b), (rows, take) in zip(zip(path, path[1:], strict=False), moves, strict=True):
            # Each edge was gathered before any moved; moving an earlier edge only adds to
            # what a later one can carry, so every edge still carries ``amount``.
            before = np.cumsum(take) - take
            self._move(a, b, rows, np.clip(amount - before, 0.0, take))
        end = path[-1]
        self.r[end] -= amount
        if self.r[end] <= tol:
            self.r[end] = 0.0
        entry[path[0]] -= amount
        return amount

    def _path(self, starts: Ints) -> tuple[list[int] | None, Bools]:
        """The shortest path over transfers from ``starts`` to an unsaturated sink (or
        None) and the sinks reached on the way."""
        tol = self.tol
        parent = np.full(len(self.r), -2)
        parent[starts] = -1
        queue = [int(t) for t in starts]
        for t in queue:
            if self.r[t] > tol:
                return [t], parent != -2
        head = 0
        while head < len(queue):
            t = queue[head]
            head += 1
            nxt = np.flatnonzero((self.transfer[t] > tol) & (parent == -2) & ~self.closed)
            for v in nxt:
                parent[v] = t
                if self.r[v] > tol:
                    path = [int(v)]
                    while parent[path[-1]] >= 0:
                        path.append(int(parent[path[-1]]))
                    return path[::-1], parent != -2
                queue.append(int(v))
        return None, parent != -2

    def _gather(self, a: int, b: int, amount: float) -> tuple[Ints, Floats]:
        """Capped rows that can move up to ``amount`` from sink ``a`` to ``b`` and how much
        each: scanned in growing chunks from where the last scan of this edge stopped,
        so a push costs about what it moves, not the number of rows."""
        n = self.cdone
        tol = self.tol
        found: list[Ints] = []
        takes: list[Floats] = []
        got = 0.0
        pos = int(self.cursor[a, b]) % max(n, 1)
        scanned = 0
        chunk = 256
        while scanned < n and got < amount:
            end = min(pos + chunk, n, pos + n - scanned)
            cap = np.minimum(self.xc[pos:end, a], self.uc[pos:end, b] - self.xc[pos:end, b])
            idx = np.flatnonzero(cap > tol)
            if len(idx):
                c = cap[idx]
                take = np.clip(amount - got - (np.cumsum(c) - c), 0.0, c)
                keep = take > 0
                found.append(pos + idx[keep])
                takes.append(take[keep])
                got += float(take[keep].sum())
            scanned += end - pos
            pos = end % n
            chunk *= 2
        self.cursor[a, b] = pos
        if not found:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        return np.concatenate(found), np.concatenate(takes)

    def _move(self, a: int, b: int, rows: Ints, take: Floats) -> None:
        """``rows`` give ``take`` less in sink ``a`` and as much more in ``b``."""
        keep = take > 0
        rows, take = rows[keep], take[keep]
        if len(rows) == 0:
            return
        old = self.xc[rows]
        if self.journal is not None:
            self.journal.append((rows, old))
        new = old.copy()
        new[:, a] = np.maximum(new[:, a] - take, 0.0)
        new[:, b] += take
        self.xc[rows] = new
        # Only what leaves or enters a or b changes: rows a, b and columns a, b of the sums.
        u = self.uc[rows]
        ends = [a, b]
        out_new, in_new = _lines(new, u, ends)
        out_old, in_old = _lines(old, u, ends)
        self.transfer[ends, :] += out_new - out_old
        into = in_new - in_old
        into[ends, :] = 0.0
        self.transfer[:, ends] += into
        self.transfer[a, a] = self.transfer[b, b] = 0.0

    def result(self) -> Flow:
        """The flow by source in the order given."""
        self.x[self.capped] = self.xc
        return Flow(self.x, self.r, self.pushed_alone)


def cheapest_first(u: Floats, budget: Floats, need: Floats) -> Flow:
    """The greedy max flow: sources in the given order (cheapest first) with ``u`` (m, k)
    kW per sink and ``budget`` (m,) kW·periods in all (``inf``: none), sinks needing
    ``need`` (k,). The result is the optimum of the LP min Σ cost·x s.t. coverage,
    bounds and budgets for any costs increasing in that order."""
    state = _State(u, budget, need)
    m = len(u)
    pos = 0
    window = 16
    while pos < m and (state.r > state.tol).any():
        stop = min(pos + window, m)
        placed = state.batch(pos, stop)
        if placed == stop - pos:
            window = min(window * 2, 8192)
        elif placed == 0 and window > 1:
            # A failed window costs about its size in paths: back off fast (an eighth
            # wasted the fewest paths on the benchmark's regions, against a half).
            window = max(1, window // 8)
        elif placed == 0:
            # A source that cannot give all: it closes sinks (at most once per sink).
            state.push(pos)
            placed = 1
        pos += placed
    return state.result()
