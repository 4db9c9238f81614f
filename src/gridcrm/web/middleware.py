"""Request-wide behaviour of the web layer.

The interface language: Simplified Chinese unless the user chose another one.

Django's LocaleMiddleware would follow the browser's Accept-Language header, so a
browser set to English would open GridCRM in English. A supply company's staff work
in Chinese by default; English is a choice made with the switch in the top bar,
which sets the language cookie.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_cache_control


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user and on every API
    response: they can carry names, phones and ID numbers, which must not stay in a
    browser's or a proxy's cache after the person has logged out. Static files (served by
    WhiteNoise before this runs) keep their long cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read the user after the view: an API request is authenticated by its token there.
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


class CustomerWallMiddleware:
    """A customer login never reaches a staff page: outside the portal (and signing out,
    the language switch, static files and the portal API, which judges its own tokens)
    it gets 404, like a page that does not exist. Staff may not use the portal either
    (the portal's views answer them 404). ``/healthz`` is open to every caller."""

    OPEN = (
        "/portal/",
        "/api/",
        "/logout/",
        "/i18n/",
        "/static/",
        "/login/",
        "/password/",
        "/healthz",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from gridcrm.portal.selectors import is_portal_user

        if request.path == "/" and is_portal_user(user=request.user):
            return HttpResponseRedirect("/portal/")
        if not request.path.startswith(self.OPEN) and is_portal_user(user=request.user):
            raise Http404
        return self.get_response(request)
