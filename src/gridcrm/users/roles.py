"""The roles of GridCRM (MISSION.md, "Who uses it") and what each may do.

A role is a Django group whose name is the role's code; its permissions are
declared here and synchronised after every ``migrate``, so the table below is
the single place that says who may do what.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MARKETING_MANAGER = "marketing_manager", _("Marketing manager")
    KEY_ACCOUNT_MANAGER = "key_account_manager", _("Key-account manager")
    BUSINESS_SPECIALIST = "business_specialist", _("Business specialist")
    SERVICE_AGENT = "service_agent", _("Service agent")
    REGIONAL_COLLECTOR = "regional_collector", _("Regional collector")
    ARCHIVE_OFFICER = "archive_officer", _("Archive officer")
    DEMAND_PLANNER = "demand_planner", _("Demand-side planner")
    INSPECTOR = "inspector", _("Inspector")
    ADMINISTRATOR = "administrator", _("Administrator")
    CUSTOMER = "customer", _("Customer")


# Roles whose work spans the whole company: they see every customer.
COMPANY_WIDE_ROLES = frozenset(
    {
        Role.MARKETING_MANAGER,
        Role.SERVICE_AGENT,
        Role.ARCHIVE_OFFICER,
        Role.DEMAND_PLANNER,
        Role.ADMINISTRATOR,
    }
)

_VIEW = ["archive.view_customer", "jobs.view_job"]
_CONTACT = ["archive.view_customer_contact"]
_EXPORT = ["archive.export_customers"]
_EDIT = ["archive.edit_customer_data", "archive.request_customer_change"]
_GRID = ["grid.view_registry"]
_SAFETY = ["safety.view_safety"]

# "app_label.codename" permissions of each role.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.MARKETING_MANAGER: [
        "credit.view_credit",
        "credit.manage_credit_models",
        "credit.run_credit_batch",
        "credit.record_credit_event",
        "credit.request_grade_override",
        "credit.approve_grade_override",
        "credit.handle_credit_review",
        "credit.manage_credit_policy",
        "billing.manage_late_fees",
        *_VIEW,
        *_EXPORT,
        "archive.override_segment",
        "archive.manage_mapping_rules",
        "service.view_servicerequest",
        "service.work_servicerequest",
        "service.view_escalations",
        "service.manage_service_matrix",
        "service.publish_policy_notice",
        "service.publish_outage_notice",
        "service.approve_grace",
        "lake.view_lake",
        "keyaccounts.view_keyaccount",
        "keyaccounts.manage_roster",
        "load.view_plans",
        "load.view_load_knowledge",
        *_GRID,
        *_SAFETY,
        "safety.manage_safety_rules",
    ],
    Role.KEY_ACCOUNT_MANAGER: [
        "credit.view_credit",
        "credit.record_credit_event",
        "credit.request_grade_override",
        *_VIEW,
        *_CONTACT,
        *_EXPORT,
        *_EDIT,
        "service.view_servicerequest",
        "service.add_servicerequest",
        "service.work_servicerequest",
        "service.request_grace",
        "keyaccounts.view_keyaccount",
        "keyaccounts.work_keyaccounts",
        "load.edit_production_data",
        "load.view_load_knowledge",
    ],
    Role.BUSINESS_SPECIALIST: [
        *_VIEW,
        "credit.view_credit",
        "keyaccounts.view_keyaccount",
        "keyaccounts.screen_needs",
    ],
    # Agents answer the 95598 line: they must call customers back.
    Role.SERVICE_AGENT: [
        "credit.view_credit",
        "credit.handle_credit_review",
        "credit.record_credit_event",
        *_VIEW,
        *_CONTACT,
        *_EDIT,
        "service.view_servicerequest",
        "service.add_servicerequest",
        "service.work_servicerequest",
        "service.request_grace",
        "portal.unbind_portal_account",
    ],
    Role.REGIONAL_COLLECTOR: [
        "credit.view_credit",
        "credit.record_credit_event",
        "credit.request_grade_override",
        *_VIEW,
        *_CONTACT,
        *_EXPORT,
        *_EDIT,
        "service.view_servicerequest",
        "service.add_servicerequest",
        "service.work_servicerequest",
        "service.publish_outage_notice",
        "load.edit_production_data",
        "load.view_load_knowledge",
        *_GRID,
        "grid.enter_outage",
        *_SAFETY,
    ],
    # 用电检查员: inspects the customers of their region (the region scopes them like a
    # collector), writes the hazards found and follows them until closed; an ignored
    # hazard becomes a credit event, and its rectification ends it.
    Role.INSPECTOR: [
        *_VIEW,
        *_GRID,
        *_SAFETY,
        "safety.record_inspection",
        "credit.record_credit_event",
    ],
    Role.ARCHIVE_OFFICER: [
        "credit.view_credit",
        "credit.approve_grade_override",
        *_VIEW,
        *_CONTACT,
        *_EDIT,
        "archive.import_customers",
        "archive.approve_customer_change",
        "archive.override_segment",
        "service.view_servicerequest",
        "service.work_servicerequest",
        "lake.view_lake",
        "lake.import_facts",
        "portal.unbind_portal_account",
        *_GRID,
        "grid.edit_registry",
    ],
    Role.DEMAND_PLANNER: [
        "credit.view_credit",
        *_VIEW,
        *_EXPORT,
        "service.view_servicerequest",
        "service.publish_outage_notice",
        "lake.view_lake",
        "load.view_plans",
        "load.make_plans",
        "load.manage_tou",
        "load.view_load_knowledge",
        "load.edit_production_data",
        *_GRID,
    ],
    Role.ADMINISTRATOR: [
        "credit.view_credit",
        "credit.run_credit_batch",
        # /metrics and the figures of /healthz (gridcrm.ops.access).
        "jobs.view_metrics",
        *_VIEW,
        *_CONTACT,
        *_EXPORT,
        *_EDIT,
        "archive.import_customers",
        "archive.manage_custom_fields",
        "users.view_user",
        "service.view_servicerequest",
        "service.manage_workflows",
        "service.manage_calendar",
        "service.view_escalations",
        "lake.view_lake",
        "lake.import_facts",
        "keyaccounts.view_keyaccount",
        "keyaccounts.manage_roster",
        "load.view_plans",
        "load.manage_tou",
        *_GRID,
        *_SAFETY,
        "jobs.purge_files",
    ],
    # On the portal only (staff pages and the staff API refuse customers): their own tier-3
    # contact data, and tier-1 corrections asked through the four-eyes queue.
    Role.CUSTOMER: [
        "archive.view_customer",
        "credit.view_credit",
        "archive.edit_customer_data",
        "archive.request_customer_change",
    ],
}


# The apps whose permissions are business actions: they are granted by the roles above
# and by nothing else — a superuser holds only those its roles hold
# (``gridcrm.users.backends.RoleBackend``). The users app stays with Django's
# superuser: administering accounts is what a superuser is for.
ROLE_APP_LABELS: frozenset[str] = frozenset(
    perm.partition(".")[0] for perms in ROLE_PERMISSIONS.values() for perm in perms
) - {"users"}


def is_role_permission(perm: str) -> bool:
    """Whether ``perm`` ("app_label.codename") is a business permission granted only by roles."""
    return perm.partition(".")[0] in ROLE_APP_LABELS
