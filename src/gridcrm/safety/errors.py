"""Errors of the safety app, each one of the kinds of ``gridcrm.core.errors`` with a
stable code ``safety.<what>``; the API and the pages answer them by kind."""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid, NotFound, Refused


class MayNotViewSafety(Refused):
    """The user's role may not see inspections and hazards."""

    code = "safety.may_not_view"


class MayNotInspect(Refused):
    """The user's role may not record inspections or follow hazards."""

    code = "safety.may_not_inspect"


class MayNotManageRules(Refused):
    """The user's role may not publish the safety rules."""

    code = "safety.may_not_manage_rules"


class UnknownCustomer(NotFound):
    """No customer with that account number in the user's scope."""

    code = "safety.unknown_customer"


class InspectionNotFound(NotFound):
    """No such inspection, or its customer is outside the user's scope."""

    code = "safety.inspection_not_found"


class HazardNotFound(NotFound):
    """No such hazard, or its customer is outside the user's scope."""

    code = "safety.hazard_not_found"


class InvalidInspection(Invalid):
    """An inspection whose values do not hold together (``fields`` says which)."""

    code = "safety.invalid_inspection"


class DeadlinePast(Invalid):
    """A rectification deadline before the day of the inspection or today."""

    code = "safety.deadline_past"


class InvalidRules(Invalid):
    """Safety rules that do not validate (``fields`` by row)."""

    code = "safety.invalid_rules"


class InvalidFollowUp(Invalid):
    """A report or re-inspection day in the future or before the hazard was found."""

    code = "safety.invalid_date"


class NotRectified(Conflict):
    """A hazard can only be re-inspected (and closed) after its rectification is reported."""

    code = "safety.not_rectified"


class HazardClosed(Conflict):
    """The hazard is closed: nothing more can be reported on it."""

    code = "safety.hazard_closed"
