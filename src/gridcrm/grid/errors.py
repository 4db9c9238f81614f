"""Errors of the grid app, each one of the kinds of ``gridcrm.core.errors`` with a stable
code ``grid.<what>``; the API and the pages answer them by kind, the same in every app."""

from __future__ import annotations

from gridcrm.core.errors import Invalid, NotFound, Refused


class MayNotViewGrid(Refused):
    """The user's role may not see the grid registry."""

    code = "grid.may_not_view"


class MayNotEditGrid(Refused):
    """The user's role may not import into the registry or publish its rules."""

    code = "grid.may_not_edit"


class MayNotEnterOutage(Refused):
    """The user's role may not enter an unplanned outage."""

    code = "grid.may_not_enter_outage"


class ElementNotFound(NotFound):
    """No substation, feeder or transformer with that code in the user's scope."""

    code = "grid.not_found"


class InvalidRules(Invalid):
    """Important-customer rules that do not validate (``fields`` by row)."""

    code = "grid.invalid_rules"


class InvalidOutage(Invalid):
    """An unplanned outage without a place, a time or a description."""

    code = "grid.invalid_outage"


class NobodyBehind(Invalid):
    """No customer is behind the equipment of an unplanned outage: nobody to tell."""

    code = "grid.nobody_behind"


class ImportRefused(Invalid):
    """A registry export that cannot be imported as a whole: its type, encoding, format or
    header (``code``: ``grid.import_…``); nothing was written."""

    code = "grid.import_refused"
