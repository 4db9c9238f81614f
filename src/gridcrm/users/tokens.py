"""Bearer-token authentication with the same throttling as the login page.

A wrong token counts as a failed login from the caller's address (django-axes), so the
API cannot be used to guess tokens without limit: after ``AXES_FAILURE_LIMIT`` failures
the address is refused, tokens and passwords alike, until the cool-off has passed.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from gridcrm.users.errors import TokenThrottled
from gridcrm.users.models import User
from gridcrm.users.selectors import user_for_token

# Failed tokens carry no username: they are counted by address only.
_NO_USERNAME: dict[str, Any] = {}


def lockout_parameters(request_or_attempt: Any, credentials: dict[str, Any] | None) -> list[Any]:
    """django-axes' lockout parameters (``AXES_LOCKOUT_PARAMETERS``): a login is counted per
    username and per address; a token, which has no username, per address only."""
    if credentials is not None:
        username = credentials.get("username")
    else:
        username = getattr(request_or_attempt, "username", None)
    return ["username", "ip_address"] if username else ["ip_address"]


def token_authenticate(*, request: HttpRequest, token: str) -> User | None:
    """The user owning ``token``; ``None`` for a wrong one (counted as a failure).

    Raises ``TokenThrottled`` while the address is locked out and ``TokenExpired`` for an
    expired token (not counted: it was once right, and guessing cannot find one)."""
    if AxesProxyHandler.is_locked(request, _NO_USERNAME):
        raise TokenThrottled
    user = user_for_token(token=token)  # raises TokenExpired
    if user is None:
        user_login_failed.send(sender=__name__, credentials=_NO_USERNAME, request=request)
    return user


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' answer to a locked-out attempt (``AXES_LOCKOUT_CALLABLE``): the API's
    JSON error with its code, or the translated lockout page."""
    status: int = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    if request.path.startswith("/api/"):
        body = {"code": TokenThrottled.code, "detail": str(TokenThrottled.message)}
        return JsonResponse(body, status=status)
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": get_failure_limit(request, credentials)},
        status=status,
    )
