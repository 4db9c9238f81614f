"""The overview page."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridcrm.archive.models import Segment
from gridcrm.archive.selectors import station_segment_counts


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Customers the user can see, by segment and supply station, as a chart."""
    rows = station_segment_counts(user=request.user)
    stations = list(dict.fromkeys(str(row["region__name"]) for row in rows))
    counts = {(row["region__name"], row["segment"]): row["n"] for row in rows}
    series = [
        {
            "name": str(segment.label),
            "x": stations,
            "y": [counts.get((station, segment.value), 0) for station in stations],
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
