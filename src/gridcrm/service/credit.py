"""The seam to credit (R2, R7). Until the credit app rates customers, everyone is "A"; until
it installs its policies, everyone gets billing's term, no grace and the 7-day notice.

The credit app installs both providers from its ``AppConfig.ready`` into the slots
``CREDIT_GRADE`` and ``CREDIT_TERMS`` of ``gridcrm.core.extensions``.

The credit policy is the one source of the due-date shift, the grace allowance and the
outage-notice lead per grade; the service matrix does not repeat them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gridcrm.core.extensions import CREDIT_GRADE, CREDIT_TERMS

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer

DEFAULT_GRADE = "A"


@dataclass(frozen=True)
class CreditTerms:
    """What the credit policy in force grants a grade in a segment, as service applies it."""

    due_shift_days: int = 0
    """Days added to billing's due date (negative: a shorter term)."""
    grace_max_days: int = 0
    """Days of grace that may be asked for one bill (0: none)."""
    notice_lead_days: int = 7
    """How many days ahead planned-outage notices go."""
    note: str = ""
    """Which policy said so, for the decision's reasons."""


TermsLookup = Callable[[str, str], CreditTerms]
"""``(grade, segment) -> CreditTerms`` under one reading of the policies."""


def credit_grade_for(customer: Customer) -> str:
    """The customer's credit grade: AAA, AA, A, B or C (A until the credit app rates)."""
    provider = CREDIT_GRADE.get()
    return provider(customer) if provider is not None else DEFAULT_GRADE


def credit_terms() -> TermsLookup:
    """The credit policies in force, read once: pass the lookup on when deciding for many
    customers (standard terms until the credit app installs its policies)."""
    provider = CREDIT_TERMS.get()
    if provider is None:
        return lambda grade, segment: CreditTerms()
    return provider()
