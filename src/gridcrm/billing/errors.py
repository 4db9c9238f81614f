"""The billing app's refusals, each a kind of ``gridcrm.core.errors.DomainError``
(codes ``"billing.<what>"``)."""

from __future__ import annotations

from gridcrm.core.errors import Invalid, NotFound, Refused


class BillingRefused(Refused):
    """The person's role may not do this in billing."""

    code = "billing.not_allowed"


class BillingInvalid(Invalid):
    """The values given (a late-fee rule) are wrong; ``fields`` says which."""

    code = "billing.invalid"


class BillNotFound(NotFound):
    """The bill named is not the customer's, or not in the lake."""

    code = "billing.bill_not_found"
