"""The seam to credit grades (R2). Until the credit app rates customers, everyone is "A".

The credit app replaces the provider from its ``AppConfig.ready``::

    from gridcrm.service.credit import credit_grade_provider_set
    credit_grade_provider_set(lambda customer: latest_grade(customer) or "A")
"""

from __future__ import annotations

from collections.abc import Callable

from gridcrm.archive.models import Customer

CreditGradeProvider = Callable[[Customer], str]

DEFAULT_GRADE = "A"


def _default_provider(customer: Customer) -> str:
    return DEFAULT_GRADE


_provider: CreditGradeProvider = _default_provider


def credit_grade_for(customer: Customer) -> str:
    """The customer's credit grade: AAA, AA, A, B or C."""
    return _provider(customer)


def credit_grade_provider_set(provider: CreditGradeProvider | None) -> None:
    """Install the function that grades customers (``None`` restores "everyone is A")."""
    global _provider
    _provider = provider or _default_provider
