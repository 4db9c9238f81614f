"""Errors of the portal: each is one of the four kinds of ``gridcrm.core.errors`` with a
stable ``portal.*`` code and a message fit to show the customer. Nothing was changed."""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid, NotFound, Refused


class PortalNotFound(NotFound):
    """Not a bound account, request or notice of this login (or it does not exist)."""

    code = "portal.not_found"


class PortalRefused(Refused):
    """Only customer logins use the portal."""

    code = "portal.refused"


class CodeInvalid(Invalid):
    """A wrong, expired or used one-time code (``portal.code_wrong``/``portal.code_expired``)."""

    code = "portal.code_wrong"


class Throttled(Conflict):
    """Too many codes or attempts for this phone or address; wait and try again."""

    code = "portal.throttled"


class PhoneTaken(Conflict):
    """The mobile number already has a portal login."""

    code = "portal.phone_taken"


class ProofWrong(Invalid):
    """The account number and the proof do not match an account."""

    code = "portal.proof_wrong"


class AlreadyBound(Conflict):
    """A household account is held by another login already."""

    code = "portal.already_bound"


class PortalInvalid(Invalid):
    """Other wrong input (a phone that is not a mobile number, a rating out of range …)."""

    code = "portal.invalid"
