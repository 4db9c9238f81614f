"""The credit app's refusals, each a kind of ``gridcrm.core.errors.DomainError``.

One class per kind; the instance's ``code`` (``"credit.<what>"``) names the refusal,
so API clients and tests match codes, never the translated message.
"""

from __future__ import annotations

from gridcrm.core.errors import Conflict, Invalid, NotFound, Refused


class CreditRefused(Refused):
    """The person lacks the credit permission, or the four-eyes rule forbids it."""

    code = "credit.not_allowed"


class CreditInvalid(Invalid):
    """The values given to a credit operation are wrong (grade, cut-offs, policy rows…)."""

    code = "credit.invalid"


class CreditConflict(Conflict):
    """The state of the credit data does not allow it now (decided, answered, pending)."""

    code = "credit.conflict"


class CreditNotFound(NotFound):
    """The credit record named does not exist, or its customer is out of scope."""

    code = "credit.not_found"


class AHPError(CreditInvalid):
    """An AHP judgement matrix that is not valid (size, range, reciprocity)."""

    code = "credit.ahp_invalid"
