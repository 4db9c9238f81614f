"""Publishing a solved plan: each affected customer gets a notice with its schedule."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.core.formats import quantity
from gridcrm.load import events
from gridcrm.load.errors import NoticeTooLate, PlanStateConflict
from gridcrm.load.models import Plan, ProductionProfile, Schedule, ScheduleNotice
from gridcrm.load.services._common import day_start, require_planner

if TYPE_CHECKING:
    from gridcrm.users.models import User

_ACTION_NOTICE = {
    "shift": "shift_notice_hours",
    "avoid": "curtail_notice_hours",
    "limit": "interrupt_notice_hours",
}


def notice_text(*, plan: Plan, schedules: list[Schedule]) -> tuple[str, str]:
    """Title and text of a customer's notice: each day, window, measure and kW."""
    title = _("Orderly power use: %(plan)s") % {"plan": plan.name}
    lines = [
        _("Warning level %(level)s. Please keep to this schedule; your security load is never cut.")
        % {"level": plan.warning_level or "—"}
    ]
    for s in schedules:
        lines.append(
            _("%(day)s %(start)s–%(end)s: %(measure)s, up to %(kw)s (%(kwh)s)")
            % {
                "day": s.day.isoformat(),
                "start": s.start.strftime("%H:%M"),
                "end": s.end.strftime("%H:%M"),
                "measure": s.action_label,
                "kw": quantity(s.max_kw, "kW", 0),
                "kwh": quantity(s.reduction_kwh, "kWh", 0),
            }
        )
    return title, "\n".join(lines)


@transaction.atomic
def plan_publish(*, plan: Plan, acting_user: User, now: dt.datetime | None = None) -> Plan:
    """Publish a solved plan: each affected customer gets a notice with its schedule.
    Refused unless the plan is solved (``load.plan_not_solved``), and if a customer would
    hear of a measure later than its declared notice hours (``load.notice_too_late``:
    solve again, the optimisation leaves out what can no longer be announced in time)."""
    require_planner(acting_user)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != Plan.Status.SOLVED:
        raise PlanStateConflict(
            _("Only a solved plan can be published."), code="load.plan_not_solved"
        )
    now = now or timezone.now()
    schedules = list(plan.schedules.select_related("customer").order_by("customer", "day"))
    profiles = {
        p.customer_id: p
        for p in ProductionProfile.objects.filter(
            customer_id__in={s.customer_id for s in schedules}
        )
    }
    late: list[str] = []
    by_customer: dict[int, list[Schedule]] = {}
    for s in schedules:
        by_customer.setdefault(s.customer_id, []).append(s)
        profile = profiles.get(s.customer_id)
        lead = (day_start(s.day) - now).total_seconds() / 3600
        for action, series in (("shift", s.shift_kw), ("avoid", s.avoid_kw), ("limit", s.limit_kw)):
            if profile is not None and any(v > 0 for v in series):
                if lead < float(getattr(profile, _ACTION_NOTICE[action])):
                    late.append(s.customer.account_no)
    if late:
        raise NoticeTooLate(
            _("These customers can no longer be told in time; solve the plan again: %(list)s")
            % {"list": ", ".join(sorted(set(late))[:20])}
        )
    notices = []
    for items in by_customer.values():
        title, body = notice_text(plan=plan, schedules=items)
        lead = (day_start(items[0].day) - now).total_seconds() / 3600
        notices.append(
            ScheduleNotice(
                plan=plan,
                customer=items[0].customer,
                title=title[:200],
                body=body,
                lead_hours=round(lead, 1),
                sent_at=now,
            )
        )
    ScheduleNotice.objects.bulk_create(notices, batch_size=1000)
    plan.status = Plan.Status.PUBLISHED
    plan.published_at = now
    plan.published_by = acting_user
    plan.save(update_fields=["status", "published_at", "published_by"])
    events.plan_published(plan=plan, notices=len(notices), acting_user=acting_user)
    return plan
