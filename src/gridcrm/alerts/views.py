"""The alerts inbox: the user's alerts (open and acknowledged by default), with
acknowledge and close. Scoped by ``selectors.alerts_visible_to``; another's alert is 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gridcrm.alerts import selectors, services
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest

STATUSES = ("open", "closed", "all")


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in STATUSES:
        status = "open"
    alerts = selectors.alerts_inbox(user=request.user, status=status)[:200]
    return render(
        request,
        "alerts/inbox.html",
        {
            "alerts": [(alert, selectors.kind_label(alert.kind)) for alert in alerts],
            "status": status,
            "unacknowledged": selectors.alerts_unacknowledged_count(user=request.user),
        },
    )


@login_required
@require_POST
def acknowledge(request: AuthedRequest, alert_id: int) -> HttpResponse:
    with page_errors(request):
        services.alert_acknowledge(alert_id=alert_id, acting_user=request.user)
    return redirect("alerts:inbox")


@login_required
@require_POST
def close(request: AuthedRequest, alert_id: int) -> HttpResponse:
    with page_errors(request):
        services.alert_close(
            alert_id=alert_id, acting_user=request.user, reason=request.POST.get("reason", "")
        )
    return redirect("alerts:inbox")
