"""Errors of the alerts app (codes ``alerts.<what>``)."""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid, NotFound


class AlertNotFound(NotFound):
    """No alert with that id among those the user may see."""

    code = "alerts.not_found"


class AlertClosed(Conflict):
    """The alert is closed (or, to acknowledge, no longer open)."""

    code = "alerts.not_open"


class InvalidAlert(Invalid):
    """An alert raised without a kind, a condition, a subject or a known role."""

    code = "alerts.invalid"
