"""The seam to credit (R2, R7). Until the credit app rates customers, everyone is "A"; until
it installs its policies, everyone gets billing's term, no grace and the 7-day notice.

The credit app replaces both providers from its ``AppConfig.ready``::

    from gridcrm.service.credit import credit_grade_provider_set, credit_terms_provider_set
    credit_grade_provider_set(lambda customer: latest_grade(customer) or "A")
    credit_terms_provider_set(policies_in_force)  # () -> (grade, segment) -> CreditTerms

The credit policy is the one source of the due-date shift, the grace allowance and the
outage-notice lead per grade; the service matrix does not repeat them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gridcrm.archive.models import Customer

CreditGradeProvider = Callable[[Customer], str]

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
CreditTermsProvider = Callable[[], TermsLookup]


def _default_provider(customer: Customer) -> str:
    return DEFAULT_GRADE


def _default_terms() -> TermsLookup:
    return lambda grade, segment: CreditTerms()


_provider: CreditGradeProvider = _default_provider
_terms_provider: CreditTermsProvider = _default_terms


def credit_grade_for(customer: Customer) -> str:
    """The customer's credit grade: AAA, AA, A, B or C."""
    return _provider(customer)


def credit_grade_provider_set(provider: CreditGradeProvider | None) -> None:
    """Install the function that grades customers (``None`` restores "everyone is A")."""
    global _provider
    _provider = provider or _default_provider


def credit_terms() -> TermsLookup:
    """The credit policies in force, read once: pass the lookup on when deciding for many
    customers."""
    return _terms_provider()


def credit_terms_provider_set(provider: CreditTermsProvider | None) -> None:
    """Install the function that reads the credit policies (``None``: standard terms)."""
    global _terms_provider
    _terms_provider = provider or _default_terms
