"""What every page needs: the navigation the user may use, their roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridcrm.users.selectors import user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Links to the pages that exist and that this user's role may open."""
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    items = [
        ("home", reverse("home"), _("Overview")),
        ("customers", reverse("archive:customer_list"), _("Customers")),
        ("jobs", reverse("jobs:job_list"), _("Jobs")),
        ("api", "/api/docs", _("API")),
    ]
    if user.is_staff:
        items.append(("admin", reverse("admin:index"), _("Administration")))
    roles = sorted(user_roles(user=user), key=lambda r: str(r.label))
    return {
        "nav_items": [{"key": k, "url": u, "label": label} for k, u, label in items],
        "user_roles": [role.label for role in roles],
    }
