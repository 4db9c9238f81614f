"""``/healthz`` and ``/metrics``: what a load balancer and Prometheus ask.

Neither needs a login (the callers are machines) and neither shows a person. ``/healthz``
tells anyone which checks pass, by name and code; the figures behind them, like
``/metrics``, only to an allowed caller (``ops.access``). docs/deploy.md, "Health and
metrics", says how to scrape and protect them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridcrm.ops.access import Caller, metrics_caller
from gridcrm.ops.health import health_run
from gridcrm.ops.metrics import CONTENT_TYPE, metrics_text


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when every check passes, 503 naming the failed ones by code. ``?check=NAME``
    (repeatable) runs only those checks: a load balancer asks for ``database`` alone, so
    that a late nightly batch does not take the web servers out of service. Unknown names
    are ignored; a request naming no known check is 503, so a mistyped probe is noticed."""
    names = request.GET.getlist("check") or None
    results = health_run(names=names)
    detailed = metrics_caller(request) is Caller.ALLOWED
    checks: dict[str, dict[str, Any]] = {}
    for result in results:
        entry: dict[str, Any] = {"status": "ok" if result.ok else "failed"}
        if not result.ok:
            entry["code"] = result.code
        if detailed and result.detail:
            entry["detail"] = result.detail
        checks[result.name] = entry
    healthy = bool(results) and all(result.ok for result in results)
    body = {"status": "ok" if healthy else "failed", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition, to an allowed network or a token holding
    ``jobs.view_metrics``; 403 to another user's token, 404 to everyone else."""
    caller = metrics_caller(request)
    if caller is Caller.PUBLIC:
        raise Http404
    if caller is Caller.UNPRIVILEGED:
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE)
