"""The grid app's audit trail: one named function per thing that happens.

Only the grid services call these, inside the transaction of the change they record, so
an event exists exactly when its change was kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridcrm.grid.models import GridEvent

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.grid.models import ImportanceRules, Outage
    from gridcrm.users.models import User

Kind = GridEvent.Kind


def _write(
    kind: GridEvent.Kind,
    *,
    acting_user: User | None,
    customer: Customer | None = None,
    text: str = "",
    details: dict[str, Any] | None = None,
) -> GridEvent:
    return GridEvent.objects.create(
        kind=kind,
        acting_user=acting_user,
        customer=customer,
        text=text[:500],
        details=details or {},
    )


def registry_imported(*, filename: str, counts: dict[str, int], acting_user: User) -> GridEvent:
    """An import wrote rows into the registry (``counts``: created/updated/rejected …)."""
    return _write(
        Kind.IMPORTED,
        acting_user=acting_user,
        text=filename,
        details={"filename": filename, **counts},
    )


def rules_published(*, rules: ImportanceRules, acting_user: User) -> GridEvent:
    """A new version of the important-customer rules was published."""
    return _write(
        Kind.RULES_PUBLISHED,
        acting_user=acting_user,
        text=f"v{rules.number}",
        details={"number": rules.number},
    )


def outage_entered(*, outage: Outage, acting_user: User) -> GridEvent:
    """An unplanned outage was entered; its customers were told and a repair request opened."""
    return _write(
        Kind.OUTAGE_ENTERED,
        acting_user=acting_user,
        text=outage.description,
        details={
            "outage": outage.pk,
            "customers": outage.customers,
            "notice": outage.notice_id,
            "request": outage.request_no,
        },
    )


def health_computed(*, as_of: str, counts: dict[str, int], acting_user: User | None) -> GridEvent:
    """The health job stored new load months and health scores."""
    return _write(
        Kind.HEALTH_COMPUTED,
        acting_user=acting_user,
        text=as_of,
        details={"as_of": as_of, **counts},
    )
