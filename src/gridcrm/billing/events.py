"""The billing app's audit trail, written only here and only by services, inside the
transaction of the change they record."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from gridcrm.billing.models import BillingEvent, LateFeeRuleVersion

if TYPE_CHECKING:
    from gridcrm.users.models import User


def rules_published(*, version: LateFeeRuleVersion, acting_user: User) -> BillingEvent:
    return BillingEvent.objects.create(
        acting_user=acting_user,
        kind=BillingEvent.Kind.RULES_PUBLISHED,
        details={"version": version.number},
    )


def balances_computed(*, as_of: date, customers: int, rules_version: int) -> BillingEvent:
    """A daily run stored its results (the system acts: no person)."""
    return BillingEvent.objects.create(
        kind=BillingEvent.Kind.BALANCES_COMPUTED,
        details={"as_of": as_of.isoformat(), "customers": customers, "rules": rules_version},
    )
