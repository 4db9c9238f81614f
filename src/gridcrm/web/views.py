"""The home page: what waits for this person, by role (``web.workbench``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from gridcrm.archive.choices import Segment
from gridcrm.archive.selectors import station_segment_counts
from gridcrm.web.http import AuthedRequest
from gridcrm.web.workbench import shows_segment_chart, workbench

if TYPE_CHECKING:
    from gridcrm.users.models import User

# The badge colours of app.css, so a segment looks the same in charts and tables.
SEGMENT_COLOURS = {
    Segment.PUBLIC_UTILITY: "#0284c7",
    Segment.INDUSTRIAL: "#dc2626",
    Segment.COMMERCIAL: "#d97706",
    Segment.RESIDENTIAL: "#16a34a",
    Segment.OTHER: "#64748b",
}


def _segment_chart(user: User) -> dict[str, Any]:
    """Customers the user can see, by segment and supply station, as a chart."""
    rows = station_segment_counts(user=user)
    stations = list(dict.fromkeys(station for station, _seg, _n in rows))
    counts = {(station, segment): n for station, segment, n in rows}
    series = [
        {
            "name": str(segment.label),
            "x": stations,
            "y": [counts.get((station, segment.value), 0) for station in stations],
            "marker": {"color": SEGMENT_COLOURS[segment]},
        }
        for segment in Segment
    ]
    totals = [
        (segment.label, sum(n for (_st, seg), n in counts.items() if seg == segment.value))
        for segment in Segment
    ]
    return {
        "chart_series": json.dumps(series, ensure_ascii=False),
        "totals": totals,
        "total": sum(n for _label, n in totals),
    }


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The user's workbench: per role, the counts of what waits for them, each linking to
    the list of exactly those records; the segment chart below for managers."""
    context: dict[str, Any] = {"sections": workbench(user=request.user)}
    if shows_segment_chart(user=request.user):
        context.update(_segment_chart(request.user), chart=True)
    return render(request, "web/home.html", context)
