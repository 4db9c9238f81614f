"""What every page needs: the navigation the user may use, their roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from gridcrm.alerts.selectors import alerts_unacknowledged_count
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Links to the pages that exist and that this user's role may open."""
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    if user_roles(user=user) == {Role.CUSTOMER}:
        # The portal has its own tabs; a customer's permissions are not even read.
        return {"nav_items": [], "user_roles": [Role.CUSTOMER.label]}
    items = [
        ("home", reverse("home"), _("Overview")),
        ("customer_list", reverse("archive:customer_list"), _("Customers")),
    ]
    if user.has_perm("archive.edit_customer_data"):
        items.append(("worklist", reverse("archive:worklist"), _("Worklist")))
    if user.has_perm("archive.request_customer_change") or user.has_perm(
        "archive.approve_customer_change"
    ):
        items.append(("change_requests", reverse("archive:change_requests"), _("Change requests")))
    if user.has_perm("archive.view_customer") and not user_roles(user=user) <= {Role.CUSTOMER}:
        items.append(("completeness", reverse("archive:completeness"), _("Completeness")))
    if user.has_perm("archive.import_customers"):
        items.append(("credit_lists", reverse("archive:credit_lists"), _("Credit lists")))
    if user.has_perm("archive.manage_mapping_rules"):
        items.append(("rules", reverse("archive:rules"), _("Mapping rules")))
    if user.has_perm("credit.view_credit") and not user_roles(user=user) <= {Role.CUSTOMER}:
        items.append(("credit", reverse("credit:overview"), _("Credit")))
    if user.has_perm("keyaccounts.view_keyaccount"):
        items.append(("keyaccounts", reverse("keyaccounts:portfolio"), _("Key accounts")))
        items.append(("keyaccounts_board", reverse("keyaccounts:board"), _("Needs board")))
    if user.has_perm("service.view_servicerequest"):
        items.append(("service", reverse("service:queue"), _("Service requests")))
    if user.has_perm("grid.view_registry"):
        items.append(("grid", reverse("grid:overview"), _("Grid")))
    if user.has_perm("safety.view_safety"):
        items.append(("safety", reverse("safety:overview"), _("Safety work")))
    # The in-app channel of alerts: the count of unacknowledged ones beside the link.
    unacknowledged = alerts_unacknowledged_count(user=user)
    alerts_label = _("Alerts")
    if unacknowledged:
        alerts_label = format_lazy("{} ({})", alerts_label, unacknowledged)  # type: ignore[assignment]
    items.append(("alerts", reverse("alerts:inbox"), alerts_label))
    if user.has_perm("load.view_plans") or user.has_perm("load.make_plans"):
        items.append(("load", reverse("load:plans"), _("Orderly power use")))
    items += [
        ("jobs", reverse("jobs:job_list"), _("Jobs")),
        *(
            [("lake", reverse("lake:overview"), _("Fact lake"))]
            if user.has_perm("lake.view_lake")
            else []
        ),
        ("api", "/api/docs", _("API")),
    ]
    if user.is_staff:
        items.append(("admin", reverse("admin:index"), _("Administration")))
    roles = sorted(user_roles(user=user), key=lambda r: str(r.label))
    return {
        "nav_items": [{"key": k, "url": u, "label": label} for k, u, label in items],
        "user_roles": [role.label for role in roles],
    }
