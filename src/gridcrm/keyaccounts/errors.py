"""Errors of the key-account domain, one of the four kinds of ``gridcrm.core.errors`` each.

Services raise them before anything is written; the API's one exception handler and the
pages' ``page_errors`` answer them. Each class has a default ``code``; a raise site may
name the refusal more precisely with ``code=`` (always ``"keyaccounts.<what>"``).
"""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid, NotFound, Refused


class NotAllowed(Refused):
    """This person's role or relation to the account does not let them do this."""

    code = "keyaccounts.not_allowed"


class InvalidInput(Invalid):
    """The values given are wrong (a blank reason, a visit in the future, a topic off the
    list); ``fields`` names the field when there is one."""

    code = "keyaccounts.invalid"


class TransitionRefused(Conflict):
    """A need cannot move from its stage to the one asked for (or moved meanwhile)."""

    code = "keyaccounts.transition_refused"


class StateConflict(Conflict):
    """The account or request is not in a state that allows this now (off the roster, the
    feedback call not due or already recorded)."""

    code = "keyaccounts.conflict"


class AccountNotFound(NotFound):
    """No key account (or need) by that name within the caller's scope."""

    code = "keyaccounts.not_found"
