"""Notice audiences on the grid registry: the customers behind a 10 kV line (feeder) or
a transformer, asked of whoever fills the ``GRID_AUDIENCE`` slot (the grid app)."""

from __future__ import annotations

from django.db.models import Q

from gridcrm.archive.selectors import customers_matching
from gridcrm.core.extensions import GRID_AUDIENCE, GridAudience

GRID_SCOPES = frozenset({"feeder", "transformer"})


def grid_audience(scope: str, code: str) -> GridAudience | None:
    """The customers behind the element, or ``None`` for an unknown code (or no registry)."""
    audience = GRID_AUDIENCE.get()
    return audience(scope, code) if audience is not None else None


def grid_audience_inside(scope: str, code: str, path: str) -> bool:
    """Whether the element is known and every customer behind it is in the region at
    ``path`` or below (a scoped author's notices must stay inside their region)."""
    behind = grid_audience(scope, code)
    if behind is None or not path:
        return False
    outside = customers_matching(condition=Q(pk__in=behind.customer_ids)).exclude(
        Q(region__path=path) | Q(region__path__startswith=f"{path}.")
    )
    return not outside.exists()
