"""Who may read the metrics and the details of the health check.

Two kinds of caller: a scraper on an allowed network (``GRIDCRM_METRICS_ALLOWED_NETS``,
loopback by default: Prometheus on the web machine, or the address of the monitoring
host), and anyone else presenting the bearer token of an active user whose role holds
``jobs.view_metrics`` (administrators). The metrics name views, job kinds and timings,
never a person; still, they say how the installation is built, so nobody else sees them.
"""

from __future__ import annotations

import enum
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from gridcrm.users.errors import TokenRejected
from gridcrm.users.tokens import token_authenticate

METRICS_PERMISSION = "jobs.view_metrics"


class Caller(enum.Enum):
    ALLOWED = "allowed"
    """On an allowed network, or holding the metrics permission."""
    UNPRIVILEGED = "unprivileged"
    """A valid token (or session) of a user without the permission: 403."""
    PUBLIC = "public"
    """Anyone else, a wrong or expired token included: 404, as if there were nothing."""


def client_address(request: HttpRequest) -> str:
    """The caller's address. Behind the TLS proxy (``GRIDCRM_TRUSTED_PROXY``) every request
    comes from the proxy, often over loopback: the client is then the last address the
    proxy appended to ``X-Forwarded-For`` (as for login throttling), so that the public
    never passes for a local scraper. A request without the header reached gunicorn
    directly (a scraper on the machine)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return remote


def address_allowed(address: str) -> bool:
    """Whether ``address`` lies in one of ``METRICS_ALLOWED_NETS``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETS
    )


def metrics_caller(request: HttpRequest) -> Caller:
    """Judge the caller of ``/metrics`` or ``/healthz``. A bearer token alone decides a
    request that carries one (as in the API); a wrong one counts as a failed login of the
    address (django-axes), so tokens cannot be guessed here either."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return Caller.PUBLIC
        try:
            user = token_authenticate(request=request, token=token.strip())
        except TokenRejected:  # expired, or the address locked out
            return Caller.PUBLIC
        if user is None:
            return Caller.PUBLIC
        return Caller.ALLOWED if user.has_perm(METRICS_PERMISSION) else Caller.UNPRIVILEGED
    if address_allowed(client_address(request)):
        return Caller.ALLOWED
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Caller.ALLOWED if user.has_perm(METRICS_PERMISSION) else Caller.UNPRIVILEGED
    return Caller.PUBLIC
