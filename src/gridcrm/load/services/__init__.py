"""Writes of the load app: declared production data, typical curves from the lake, plans
(create, solve, pin, exclude, publish) and the execution check. Every change of state
takes the acting user and writes its ``LoadEvent`` (``gridcrm.load.events``) in the same
transaction; refusals are the errors of ``gridcrm.load.errors``."""

from __future__ import annotations

from gridcrm.load.selectors import region_customers
from gridcrm.load.services._common import plan_days
from gridcrm.load.services.curves import CurvesRun, typical_curves_refresh
from gridcrm.load.services.execution import COMPLIANCE_TOLERANCE, plan_check, slot_compliance
from gridcrm.load.services.plans import (
    gap_from_target,
    plan_create,
    plan_exclude,
    plan_pin,
    plan_solve,
    plan_warning_level,
)
from gridcrm.load.services.profiles import PROFILE_FIELDS, profile_save
from gridcrm.load.services.publishing import notice_text, plan_publish

__all__ = [
    "COMPLIANCE_TOLERANCE",
    "PROFILE_FIELDS",
    "CurvesRun",
    "gap_from_target",
    "notice_text",
    "plan_check",
    "plan_create",
    "plan_days",
    "plan_exclude",
    "plan_pin",
    "plan_publish",
    "plan_solve",
    "plan_warning_level",
    "profile_save",
    "region_customers",
    "slot_compliance",
    "typical_curves_refresh",
]
