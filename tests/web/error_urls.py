"""The application's URLs and one view that fails, to see the 500 page (DEBUG off)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from gridcrm.urls import handler403, handler404, handler500, urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: password=hunter2")


urlpatterns = [path("boom/", boom), *urlpatterns]
