"""The execution check of a published plan: metered load against each schedule."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.lake import catalog
from gridcrm.load import events, optimise, pipelines
from gridcrm.load.errors import PlanStateConflict
from gridcrm.load.models import Plan, Schedule
from gridcrm.load.services._common import plan_days, require_planner

if TYPE_CHECKING:
    from gridcrm.users.models import User

COMPLIANCE_TOLERANCE = 0.05
"""A slot complies if metered load ≤ baseline − reduction + 5 % of the baseline."""


def slot_compliance(
    *, baseline: list[float], reduction: list[float], metered: dict[int, float]
) -> tuple[float | None, float, int]:
    """Compliance of one schedule: the share of its slots with a reduction whose
    metered load was at most baseline − reduction (+ the tolerance), the energy
    actually shed (kWh), and the slots measured."""
    due = [s for s in range(96) if reduction[s] > 1e-6 and s in metered]
    if not due:
        return None, 0.0, 0
    ok = sum(
        1
        for s in due
        if metered[s] <= baseline[s] - reduction[s] + COMPLIANCE_TOLERANCE * baseline[s]
    )
    shed = sum(max(baseline[s] - metered[s], 0.0) for s in due) * optimise.HOURS_PER_SLOT
    return ok / len(due), shed, len(due)


@transaction.atomic
def plan_check(*, plan: Plan, acting_user: User, engine: str | None = None) -> Plan:
    """After the plan's days: compare each customer's metered load with its schedule and
    record compliance per schedule and for the plan (slots weighted equally)."""
    require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.PUBLISHED:
        raise PlanStateConflict(
            _("Only a published plan can be checked."), code="load.plan_not_published"
        )
    schedules = list(plan.schedules.select_related("customer"))
    if not schedules:
        raise PlanStateConflict(_("The plan has no schedules."), code="load.plan_without_schedules")
    con = catalog.connect(engine)
    metered_rows = con.to_pyarrow(
        pipelines.metered_by_slot(
            catalog.table(con, "readings"),
            sorted({s.customer.account_no for s in schedules}),
            plan_days(plan),
        )
    ).to_pylist()
    metered: dict[tuple[str, dt.date], dict[int, float]] = {}
    for row in metered_rows:
        metered.setdefault((row["account_no"], row["day"]), {})[int(row["slot"])] = float(row["kw"])
    now = timezone.now()
    good = total = 0.0
    for s in schedules:
        reduction = [a + b + c for a, b, c in zip(s.shift_kw, s.avoid_kw, s.limit_kw, strict=True)]
        rate, shed, slots = slot_compliance(
            baseline=s.baseline_kw,
            reduction=reduction,
            metered=metered.get((s.customer.account_no, s.day), {}),
        )
        s.compliance = None if rate is None else round(rate, 4)
        s.delivered_kwh = round(shed, 2)
        s.checked_at = now
        if rate is not None:
            good += rate * slots
            total += slots
    Schedule.objects.bulk_update(schedules, ["compliance", "delivered_kwh", "checked_at"])
    plan.compliance = round(good / total, 4) if total else None
    plan.checked_at = now
    plan.save(update_fields=["compliance", "checked_at"])
    events.plan_checked(plan=plan, acting_user=acting_user)
    return plan
