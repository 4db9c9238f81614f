"""The demo's safety work: for each inspector, the important and high-voltage customers of
their district inspected at different times (so that some are due, some past due, some
never inspected), hazards open with their notices sent, one hazard reported rectified and
waiting for its re-inspection, one rectified and closed, and one significant hazard left
past its deadline — marked overdue by the sweep, which raised its credit event.

``safety_demo_write`` runs in the demo's enrichment, after the service and grid demos."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from gridcrm.archive.selectors import customers_visible_to
from gridcrm.safety import rules as r
from gridcrm.safety.models import Hazard, Inspection
from gridcrm.safety.selectors import cycles_by_class
from gridcrm.safety.services import (
    HazardIn,
    hazard_rectification_report,
    hazard_reinspect,
    hazards_overdue_sweep,
    inspection_record,
)
from gridcrm.users.roles import Role
from gridcrm.users.selectors import users_with_role

_ALL_OK = {code: "ok" for code, _label in r.CHECKLIST}
_HAZARDS = (
    ("配电室电缆沟积水，电缆浸泡", "significant"),
    ("自备发电机未按期试运行，无试验记录", "major"),
    ("接地电阻超标（实测 6.2 Ω）", "general"),
    ("高压开关柜五防闭锁失效", "major"),
    ("安全工器具超期未检验", "general"),
)


def _checklist(problem: str) -> dict[str, str]:
    return {**_ALL_OK, problem: "problem"}


def safety_demo_write(*, seed: int, today: dt.date | None = None) -> int:
    """Write the demo's inspections and hazards; returns how many inspections."""
    rnd = random.Random(seed + 23)  # noqa: S311 - demo data, not security
    today = today or timezone.localdate()
    cycles = cycles_by_class()
    written = 0
    for n, inspector in enumerate(users_with_role(role=Role.INSPECTOR).order_by("username")):
        important = [c for c in cycles if c != r.HIGH_VOLTAGE]
        where = Q(importance_class__in=important)
        if r.HIGH_VOLTAGE in cycles:
            where |= Q(voltage_level__in=r.HIGH_VOLTAGE_LEVELS)
        customers = list(
            customers_visible_to(user=inspector).filter(where).order_by("account_no")[:40]
        )
        for k, customer in enumerate(customers):
            # A third never inspected (due now), the rest spread over the last year.
            if k % 3 == 2:
                continue
            day = today - dt.timedelta(days=rnd.randint(20, 330))
            inspection_record(
                account_no=customer.account_no,
                inspected_on=day,
                checklist=_ALL_OK,
                result=Inspection.Result.PASSED,
                notes="",
                acting_user=inspector,
                today=day,
            )
            written += 1
        if n > 0 or len(customers) < 4:
            continue
        # The first inspector's district holds the hazards the demo shows.
        stories = [
            (customers[0], 45, 0),  # significant, 30 days: overdue, a credit event
            (customers[1], 5, 1),  # major, 7 days: reported rectified, awaiting re-inspection
            (customers[3], 20, 2),  # general, 90 days: open
            (customers[4] if len(customers) > 4 else customers[3], 15, 3),  # major: closed
            (customers[1], 12, 4),  # general: open
        ]
        found: list[Hazard] = []
        for customer, days_ago, story in stories:
            text, severity = _HAZARDS[story]
            day = today - dt.timedelta(days=days_ago)
            inspection = inspection_record(
                account_no=customer.account_no,
                inspected_on=day,
                checklist=_checklist(r.CHECKLIST[story][0]),
                result=Inspection.Result.HAZARDS,
                notes="",
                hazards=[HazardIn(text, severity)],
                acting_user=inspector,
                today=day,
            )
            found.append(inspection.hazards.get())
            written += 1
        hazard_rectification_report(
            hazard=found[1],
            reported_on=today - dt.timedelta(days=2),
            note="已完成整改并提交试验报告",
            acting_user=inspector,
            today=today,
        )
        hazard_rectification_report(
            hazard=found[3],
            reported_on=today - dt.timedelta(days=9),
            note="五防闭锁已更换",
            acting_user=inspector,
            today=today,
        )
        hazard_reinspect(
            hazard=found[3],
            inspected_on=today - dt.timedelta(days=7),
            rectified=True,
            notes="现场复查合格",
            acting_user=inspector,
            today=today,
        )
    hazards_overdue_sweep(today=today)
    return written
