"""The application's URLs and one view that fails, to see the 500 page (DEBUG off)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path

from gridcrm import urls as app_urls
from gridcrm.urls import handler403, handler404, handler500

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: password=hunter2")


urlpatterns: list[Any] = [path("boom/", boom), *app_urls.urlpatterns]
