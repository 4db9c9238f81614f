"""What the load services share: the planner's permission, a plan's days, local time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from gridcrm.load.errors import MayNotPlan, PlanStateConflict
from gridcrm.load.models import Plan

if TYPE_CHECKING:
    from gridcrm.users.models import User


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def require_planner(user: User) -> None:
    """Refuse (``load.may_not_plan``) unless the user may make orderly-use plans."""
    if not user.has_perm("load.make_plans"):
        raise MayNotPlan(_("Your role may not make orderly-use plans."))


def require_not_published(plan: Plan, message: str) -> None:
    """Refuse (``load.plan_published``) any change of a published plan."""
    if plan.status == Plan.Status.PUBLISHED:
        raise PlanStateConflict(message, code="load.plan_published")


def plan_days(plan: Plan) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in plan.days]


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=local_tz())
