"""The error pages: 403, 404, 500 and a failed CSRF check, inside the layout, in the
person's language (``LanguageMiddleware`` has chosen it before any view runs), with a way
back. The API keeps answering errors as JSON with a ``code``, as its handler does.

Wired as Django's ``handler403``/``handler404``/``handler500`` (``gridcrm.urls``) and
``CSRF_FAILURE_VIEW`` (settings). None of them shows an exception or a stack: the 500 page
says only that the error was logged.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from gridcrm.core.errors import DomainError

logger = logging.getLogger("gridcrm.web")

_API_CODES = {403: "refused", 404: "not_found", 500: "server_error"}


def _back(request: HttpRequest) -> str:
    """The page the person came from, when it is one of ours (else nothing)."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _page(request: HttpRequest, status: int, title: str, text: str, code: str = "") -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": _API_CODES.get(status, "error"), "detail": title}, status=status
        )
    if not hasattr(request, "user"):  # refused before the authentication middleware ran
        request.user = AnonymousUser()
    context = {
        "status": status,
        "title": title,
        "text": text,
        "code": code,
        "back": _back(request),
        "home": reverse("home"),
    }
    try:
        return render(request, "web/error.html", context, status=status)
    except Exception:  # the layout itself failed (a database down): the page without it
        logger.exception("The error page could not be drawn in the layout")
        return HttpResponse(render_to_string("web/error_bare.html", context), status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("You may not open this page"),
        _("Your role does not allow this. If you need it for your work, ask an administrator."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Page not found"),
        _(
            "There is no such page, or it is outside the customers and regions you may see. "
            "Check the address or the number you typed."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        _("Something went wrong"),
        _(
            "The error has been logged for the administrators. Nothing you typed was saved; "
            "try again in a moment."
        ),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without a valid CSRF token: most often a page left open past the
    session, or the form sent again after logging in elsewhere."""
    return _page(
        request,
        403,
        _("The form has expired"),
        _(
            "The page was open too long or you signed in again meanwhile, so the form was "
            "not accepted and nothing changed. Go back, reload the page and send it again."
        ),
    )


def domain_error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A service's refusal that no view caught (``web.errors.DomainErrorMiddleware``): its
    message, its code (``data-code``) and its kind's status, on the same page."""
    title = _("Page not found") if error.status == 404 else _("Not possible")
    return _page(request, error.status, title, error.message, code=error.code)
