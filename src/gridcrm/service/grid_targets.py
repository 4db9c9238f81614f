"""Notice audiences on the grid registry: the customers behind a 10 kV line (feeder) or
a transformer, asked of whoever fills the ``GRID_AUDIENCE`` slot (the grid app)."""

from __future__ import annotations

from gridcrm.core.extensions import GRID_AUDIENCE, GridAudience

GRID_SCOPES = frozenset({"feeder", "transformer"})


def grid_audience(scope: str, code: str) -> GridAudience | None:
    """The customers behind the element, or ``None`` for an unknown code (or no registry)."""
    audience = GRID_AUDIENCE.get()
    return audience(scope, code) if audience is not None else None
