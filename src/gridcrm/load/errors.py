"""Errors of the load app: every refusal of a plan or of declared production data.

Each derives from one of the kinds of ``gridcrm.core.errors`` and carries a stable code
(``load.<what>``); the API and the pages answer them by kind, the same in every app.
"""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid, Refused


class MayNotPlan(Refused):
    """The user's role may not see or make orderly-use plans."""

    code = "load.may_not_plan"


class MayNotEditProfile(Refused):
    """The user may not edit this customer's declared production data."""

    code = "load.may_not_edit_profile"


class MayNotViewKnowledge(Refused):
    """The user may not see load compositions and patterns."""

    code = "load.may_not_view_knowledge"


class MayNotManageTou(Refused):
    """The user may not configure time-of-use periods."""

    code = "load.may_not_manage_tou"


class InvalidPlan(Invalid):
    """The values of a new plan are wrong (``fields`` says which)."""

    code = "load.invalid_plan"


class InvalidProfile(Invalid):
    """Declared production data that cannot be right (``fields`` says which)."""

    code = "load.invalid_profile"


class StaleProfile(Conflict):
    """Someone else saved the declared production data since the edit began."""

    code = "load.stale_profile"


class PlanStateConflict(Conflict):
    """The plan's status does not allow this now. Instance codes name the case:
    ``load.plan_published`` (a published plan cannot change), ``load.plan_not_solved``,
    ``load.plan_not_published``, ``load.plan_without_schedules``."""

    code = "load.plan_state"


class NoticeTooLate(Conflict):
    """Some customers can no longer be told of their measures in time."""

    code = "load.notice_too_late"


class UnknownRegion(Invalid):
    """No region has the code given."""

    code = "load.unknown_region"
