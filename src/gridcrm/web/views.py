"""The overview page."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from gridcrm.archive.choices import Segment
from gridcrm.archive.selectors import station_segment_counts
from gridcrm.web.http import AuthedRequest

# The badge colours of app.css, so a segment looks the same in charts and tables.
SEGMENT_COLOURS = {
    Segment.PUBLIC_UTILITY: "#0284c7",
    Segment.INDUSTRIAL: "#dc2626",
    Segment.COMMERCIAL: "#d97706",
    Segment.RESIDENTIAL: "#16a34a",
    Segment.OTHER: "#64748b",
}


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Customers the user can see, by segment and supply station, as a chart."""
    rows = station_segment_counts(user=request.user)
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
    return render(
        request,
        "web/home.html",
        {
            "chart_series": json.dumps(series, ensure_ascii=False),
            "totals": totals,
            "total": sum(n for _label, n in totals),
        },
    )
