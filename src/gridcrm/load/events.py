"""The load app's audit trail: one named function per thing that happens.

Only the load services call these, inside the transaction of the change they record, so
an event exists exactly when its change was kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridcrm.core.formats import quantity
from gridcrm.load.models import LoadEvent, Plan

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

Kind = LoadEvent.Kind


def _write(
    kind: LoadEvent.Kind,
    *,
    acting_user: User | None,
    plan: Plan | None = None,
    customer: Customer | None = None,
    text: str = "",
    details: dict[str, object] | None = None,
) -> LoadEvent:
    return LoadEvent.objects.create(
        kind=kind,
        plan=plan,
        customer=customer,
        acting_user=acting_user,
        text=text[:500],
        details=details or {},
    )


def profile_saved(*, customer: Customer, changed: list[str], acting_user: User) -> LoadEvent:
    """A customer's declared production data were created or changed (``changed``: fields)."""
    return _write(
        Kind.PROFILE_SAVED,
        acting_user=acting_user,
        customer=customer,
        text=", ".join(changed),
        details={"fields": changed},
    )


def plan_created(*, plan: Plan, acting_user: User) -> LoadEvent:
    """A draft plan was made; its text is the warning level."""
    return _write(Kind.PLAN_CREATED, acting_user=acting_user, plan=plan, text=plan.warning_level)


def plan_solved(*, plan: Plan, customers: int, objective: float, acting_user: User) -> LoadEvent:
    """The optimisation closed the plan's gap with ``customers`` schedules."""
    return _write(
        Kind.PLAN_SOLVED,
        acting_user=acting_user,
        plan=plan,
        text=f"{customers} customers, objective {objective:.1f}",
        details={"customers": customers, "objective": objective},
    )


def plan_infeasible(*, plan: Plan, shortfall_kw: float, acting_user: User) -> LoadEvent:
    """The optimisation could not close the gap; ``shortfall_kw`` is the largest shortfall."""
    return _write(
        Kind.PLAN_INFEASIBLE,
        acting_user=acting_user,
        plan=plan,
        text=quantity(shortfall_kw, "kW", 1),
        details={"shortfall_kw": shortfall_kw},
    )


def plan_member_set(*, plan: Plan, account_no: str, what: str, acting_user: User) -> LoadEvent:
    """A customer was pinned, released, excluded or included (``what``: ``pin``,
    ``unpin``, ``exclude``, ``include``)."""
    return _write(Kind(f"plan_{what}"), acting_user=acting_user, plan=plan, text=account_no)


def plan_published(*, plan: Plan, notices: int, acting_user: User) -> LoadEvent:
    """The plan was published and ``notices`` customers were told their schedules."""
    return _write(
        Kind.PLAN_PUBLISHED,
        acting_user=acting_user,
        plan=plan,
        text=f"{notices} notices",
        details={"notices": notices},
    )


def plan_checked(*, plan: Plan, acting_user: User) -> LoadEvent:
    """The plan's execution was checked against the readings."""
    return _write(
        Kind.PLAN_CHECKED,
        acting_user=acting_user,
        plan=plan,
        text=f"{plan.compliance}",
        details={"compliance": plan.compliance},
    )


def tou_defaults_installed(
    *, region_code: str, schedules: int, acting_user: User | None
) -> LoadEvent:
    """A region got the default time-of-use schedules (``acting_user`` empty: the system)."""
    return _write(
        Kind.TOU_DEFAULTS_INSTALLED,
        acting_user=acting_user,
        text=region_code,
        details={"region": region_code, "schedules": schedules},
    )


def curves_refreshed(*, curves: int, customers: int, acting_user: User | None) -> LoadEvent:
    """The typical curves were computed again from the lake."""
    return _write(
        Kind.CURVES_REFRESHED,
        acting_user=acting_user,
        text=f"{curves} curves of {customers} customers",
        details={"curves": curves, "customers": customers},
    )
