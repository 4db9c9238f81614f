"""URL map: the staff web UI, the REST API under /api/, the admin, /healthz and /metrics."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from gridcrm.api import api


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """The icon at its static (in production hashed) address, looked up per request."""
    return HttpResponsePermanentRedirect(static("gridcrm/favicon.svg"))


urlpatterns = [
    path("", include("gridcrm.web.urls")),
    path("", include("gridcrm.ops.urls")),
    path("customers/", include("gridcrm.archive.urls")),
    path("jobs/", include("gridcrm.jobs.urls")),
    path("service/", include("gridcrm.service.urls")),
    path("lake/", include("gridcrm.lake.urls")),
    path("load/", include("gridcrm.load.urls")),
    path("credit/", include("gridcrm.credit.urls")),
    path("billing/", include("gridcrm.billing.urls")),
    path("keyaccounts/", include("gridcrm.keyaccounts.urls")),
    path("portal/", include("gridcrm.portal.urls")),
    path("grid/", include("gridcrm.grid.urls")),
    path("safety/", include("gridcrm.safety.urls")),
    path("alerts/", include("gridcrm.alerts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name none (Django's admin, files).
    path("favicon.ico", favicon),
]

# Error pages in the layout and the person's language (gridcrm.web.error_pages).
handler403 = "gridcrm.web.error_pages.permission_denied"
handler404 = "gridcrm.web.error_pages.page_not_found"
handler500 = "gridcrm.web.error_pages.server_error"
