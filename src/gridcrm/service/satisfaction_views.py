"""The satisfaction report page."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridcrm.service.choices import Channel
from gridcrm.service.satisfaction import ratings_recent, satisfaction_report
from gridcrm.web.http import AuthedRequest


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def satisfaction(request: AuthedRequest) -> HttpResponse:
    """Ratings of the last 90 days by type and channel, and the latest comments."""
    since = timezone.now() - dt.timedelta(days=90)
    channels = dict(Channel.choices)
    rows = satisfaction_report(user=request.user, since=since)
    return render(
        request,
        "service/satisfaction.html",
        {
            "rows": [(r, channels.get(r.channel, r.channel)) for r in rows],
            "recent": ratings_recent(user=request.user),
            "since": since,
        },
    )
