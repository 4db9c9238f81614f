"""Writes of the safety app: the rules published as versions, inspections with the
hazards they find (each inspection with hazards sends the customer one hazard notice,
隐患告知书, through the service app's channels), the follow-up of a hazard (rectification
reported, re-inspection, closed) and the daily sweep of hazards past their deadline.

Every write names ``acting_user`` and writes its audit event in its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridcrm.core.versioning import rows_validate, version_publish
from gridcrm.credit.selectors import credit_event_get_visible
from gridcrm.credit.services import credit_event_record, hazard_rectified
from gridcrm.safety import events
from gridcrm.safety import rules as r
from gridcrm.safety.errors import (
    DeadlinePast,
    HazardClosed,
    InvalidFollowUp,
    InvalidInspection,
    InvalidRules,
    MayNotManageRules,
    NotRectified,
)
from gridcrm.safety.models import Hazard, Inspection, SafetyRules, Severity
from gridcrm.safety.selectors import (
    can_manage_rules,
    customer_get,
    deadlines_by_severity,
    require_inspect,
)
from gridcrm.service.notices import customer_notice_send

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

HAZARD_IGNORED = "hazard_ignored"
"""The credit app's kind of event for a hazard notice ignored (``credit.services``)."""

# The notice speaks the customer's language, whatever the inspector's page is in.
CUSTOMER_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class HazardIn:
    """A hazard as the inspector writes it down; ``deadline`` defaults by severity."""

    description: str
    severity: str
    deadline: dt.date | None = None


@transaction.atomic
def rules_publish(
    *,
    cycles: Sequence[Mapping[str, Any]],
    deadlines: Sequence[Mapping[str, Any]],
    acting_user: User,
    note: str = "",
) -> SafetyRules:
    """Publish the next version of the inspection cycles (one per class inspected, a
    class left out is not inspected by cycle) and the deadlines (one per severity);
    ``safety.invalid_rules`` names every problem, and nothing is kept."""
    if not can_manage_rules(user=acting_user):
        raise MayNotManageRules(_("Your role may not change the safety rules."))
    parsed_cycles = rows_validate(r.CycleRule, cycles, code=InvalidRules.code)
    parsed_deadlines = rows_validate(r.DeadlineRule, deadlines, code=InvalidRules.code)
    problems: dict[str, str] = {}
    classes = [row.customer_class for row in parsed_cycles]
    if len(set(classes)) != len(classes):
        problems["cycles"] = _("Give at most one cycle for each class of customer.")
    if sorted(row.severity for row in parsed_deadlines) != sorted(Severity.values):
        problems["deadlines"] = _("Give exactly one deadline for each severity.")
    if problems:
        raise InvalidRules(fields=problems)
    version = version_publish(
        SafetyRules,
        acting_user=acting_user,
        note=note[:300],
        cycles=[row.model_dump() for row in parsed_cycles],
        deadlines=[row.model_dump() for row in parsed_deadlines],
    )
    events.rules_published(rules=version, acting_user=acting_user)
    return version


def _checked(
    checklist: Mapping[str, str],
    result: str,
    hazards: Sequence[HazardIn],
    inspected_on: dt.date,
    today: dt.date,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    known = dict(r.CHECKLIST)
    for item, value in checklist.items():
        if item not in known:
            problems[f"checklist.{item}"] = _("Not an item of the checklist.")
        elif value not in r.CHECK_VALUES:
            problems[f"checklist.{item}"] = _("Choose in order, problem or not applicable.")
    if inspected_on > today:
        problems["inspected_on"] = _("An inspection cannot be recorded ahead of its day.")
    if result not in Inspection.Result.values:
        problems["result"] = _("Choose no hazard found or hazards found.")
    elif (result == Inspection.Result.HAZARDS) != bool(hazards):
        problems["result"] = _("Hazards found needs at least one hazard; no hazard found, none.")
    for n, hazard in enumerate(hazards, start=1):
        if not hazard.description.strip():
            problems[f"hazards.{n}.description"] = _("Describe the hazard.")
        if hazard.severity not in Severity.values:
            problems[f"hazards.{n}.severity"] = _("Choose general, significant or major.")
    return problems


def _notice_text(
    customer: Customer, inspection: Inspection, hazards: list[Hazard]
) -> tuple[str, str]:
    with translation.override(CUSTOMER_LANGUAGE):
        title = _("Notice of electrical safety hazards")
        lines = [
            _(
                "Dear %(name)s (account %(account)s): our inspection on %(day)s found the "
                "hazards below in your electrical installation. Please rectify each before "
                "its deadline and tell us when it is done; we will inspect it again."
            )
            % {
                "name": customer.name,
                "account": customer.account_no,
                "day": inspection.inspected_on.isoformat(),
            }
        ]
        for n, hazard in enumerate(hazards, start=1):
            lines.append(
                _("%(n)s. %(what)s (%(severity)s), rectify by %(deadline)s.")
                % {
                    "n": n,
                    "what": hazard.description,
                    "severity": Severity(hazard.severity).label,
                    "deadline": hazard.deadline.isoformat(),
                }
            )
        lines.append(_("A hazard left past its deadline is recorded in your credit rating."))
        return str(title), "\n".join(str(line) for line in lines)


@transaction.atomic
def inspection_record(
    *,
    account_no: str,
    inspected_on: dt.date,
    checklist: Mapping[str, str],
    result: str,
    notes: str = "",
    hazards: Sequence[HazardIn] = (),
    acting_user: User,
    today: dt.date | None = None,
) -> Inspection:
    """Record an inspection of a customer of the inspector's region with the hazards it
    found. Each hazard's deadline is the one given (``safety.deadline_past`` before the
    inspection or today) or the inspection day plus its severity's days; an inspection
    with hazards sends the customer one hazard notice (隐患告知书) through every channel
    they receive. Refused (``safety.unknown_customer`` 404, ``safety.invalid_inspection``)
    with nothing kept."""
    require_inspect(user=acting_user)
    customer = customer_get(user=acting_user, account_no=account_no)
    today = today or timezone.localdate()
    problems = _checked(checklist, result, hazards, inspected_on, today)
    if problems:
        raise InvalidInspection(_("The inspection is not complete."), fields=problems)
    rules = deadlines_by_severity()
    deadlines = []
    for n, hazard in enumerate(hazards, start=1):
        deadline = hazard.deadline or inspected_on + dt.timedelta(days=rules[hazard.severity].days)
        if deadline < max(today, inspected_on):
            raise DeadlinePast(
                _("A deadline cannot lie in the past."),
                fields={f"hazards.{n}.deadline": _("A deadline cannot lie in the past.")},
            )
        deadlines.append(deadline)
    inspection = Inspection.objects.create(
        customer=customer,
        inspector=acting_user,
        inspected_on=inspected_on,
        checklist=dict(checklist),
        result=result,
        notes=notes.strip(),
    )
    events.inspected(inspection=inspection, acting_user=acting_user)
    found = [
        Hazard.objects.create(
            inspection=inspection,
            customer=customer,
            description=hazard.description.strip()[:300],
            severity=hazard.severity,
            deadline=deadline,
        )
        for hazard, deadline in zip(hazards, deadlines, strict=True)
    ]
    if found:
        title, body = _notice_text(customer, inspection, found)
        notice = customer_notice_send(
            customer=customer, title=title, body=body, acting_user=acting_user
        )
        Hazard.objects.filter(pk__in=[h.pk for h in found]).update(notice_id=notice.pk)
        for written in found:
            written.notice_id = notice.pk
            events.hazard_found(hazard=written, acting_user=acting_user)
    return inspection


def _locked(hazard: Hazard) -> Hazard:
    return Hazard.objects.select_for_update().select_related("inspection").get(pk=hazard.pk)


def _check_day(day: dt.date, hazard: Hazard, today: dt.date, name: str) -> None:
    if day > today or day < hazard.inspection.inspected_on:
        raise InvalidFollowUp(
            _("The day must lie between the inspection and today."),
            fields={name: _("Between the inspection and today.")},
        )


@transaction.atomic
def hazard_rectification_report(
    *,
    hazard: Hazard,
    reported_on: dt.date,
    note: str = "",
    acting_user: User,
    today: dt.date | None = None,
) -> Hazard:
    """Record that the customer reports the hazard rectified; a re-inspection follows.
    Only an open hazard (``safety.hazard_closed``, ``safety.already_reported`` 409), on a
    day between the inspection and today (``safety.invalid_date``)."""
    require_inspect(user=acting_user)
    hazard = _locked(hazard)
    if hazard.status == Hazard.Status.CLOSED:
        raise HazardClosed(_("This hazard is closed."))
    if hazard.status == Hazard.Status.REPORTED:
        raise HazardClosed(
            _("Its rectification is reported already; inspect it again."),
            code="safety.already_reported",
        )
    _check_day(reported_on, hazard, today or timezone.localdate(), "reported_on")
    hazard.status = Hazard.Status.REPORTED
    hazard.reported_on = reported_on
    hazard.report_note = note.strip()[:300]
    hazard.save(update_fields=["status", "reported_on", "report_note"])
    events.rectification_reported(hazard=hazard, acting_user=acting_user)
    return hazard


@transaction.atomic
def hazard_reinspect(
    *,
    hazard: Hazard,
    inspected_on: dt.date,
    rectified: bool,
    notes: str = "",
    acting_user: User,
    today: dt.date | None = None,
) -> Hazard:
    """Re-inspect a hazard whose rectification was reported: rectified closes it (and
    ends the credit event its neglect raised, if any), not rectified opens it again.
    Refused before a report (``safety.not_rectified``) or once closed
    (``safety.hazard_closed``)."""
    require_inspect(user=acting_user)
    hazard = _locked(hazard)
    if hazard.status == Hazard.Status.CLOSED:
        raise HazardClosed(_("This hazard is closed."))
    if hazard.status != Hazard.Status.REPORTED or hazard.reported_on is None:
        raise NotRectified(
            _("A hazard is closed only after its rectification is reported and inspected.")
        )
    _check_day(inspected_on, hazard, today or timezone.localdate(), "inspected_on")
    if inspected_on < hazard.reported_on:
        raise InvalidFollowUp(
            _("The re-inspection cannot come before the report."),
            fields={"inspected_on": _("On or after the day it was reported.")},
        )
    inspection = Inspection.objects.create(
        customer_id=hazard.customer_id,
        inspector=acting_user,
        inspected_on=inspected_on,
        result=Inspection.Result.PASSED if rectified else Inspection.Result.HAZARDS,
        notes=notes.strip(),
        hazard=hazard,
    )
    events.inspected(inspection=inspection, acting_user=acting_user)
    if rectified:
        hazard.status = Hazard.Status.CLOSED
        hazard.closed_on = inspected_on
        if hazard.credit_event_id is not None:
            event = credit_event_get_visible(user=acting_user, event_id=hazard.credit_event_id)
            if event.resolved_on is None:
                on = max(hazard.reported_on, event.occurred_on)
                hazard_rectified(event=event, on=on, acting_user=acting_user)
    else:
        hazard.status = Hazard.Status.OPEN
        hazard.reported_on = None
        hazard.report_note = ""
    hazard.save(update_fields=["status", "closed_on", "reported_on", "report_note"])
    events.reinspected(hazard=hazard, rectified=rectified, acting_user=acting_user)
    return hazard


@dataclass
class SweepResult:
    """What one sweep did: the hazards it found newly overdue (for the alerts) and how
    many credit events it raised."""

    overdue: list[int] = field(default_factory=list)
    credit_events: int = 0


def hazards_overdue_sweep(*, today: dt.date | None = None, batch_size: int = 500) -> SweepResult:
    """The daily timer's sweep: every hazard still open after its deadline is marked
    overdue once (``overdue_since``, an audit event) and, when its severity's rule says
    so, raises the credit event ``hazard_ignored`` once. Safe to run again and beside
    another sweep: a hazard is claimed by a conditional UPDATE."""
    today = today or timezone.localdate()
    rules = deadlines_by_severity()
    result = SweepResult()
    due = (
        Hazard.objects.filter(
            status=Hazard.Status.OPEN, deadline__lt=today, overdue_since__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    batch = list(due[:batch_size])
    while batch:
        for pk in batch:
            _overdue_mark(pk, today=today, rules=rules, result=result)
        batch = list(due.filter(pk__gt=batch[-1])[:batch_size])
    return result


def _overdue_mark(
    pk: int, *, today: dt.date, rules: dict[str, r.DeadlineRule], result: SweepResult
) -> None:
    """Mark one hazard overdue in its own transaction, so one failure leaves the others
    done; a hazard another sweep marked first is left alone."""
    with transaction.atomic():
        if not Hazard.objects.filter(pk=pk, overdue_since__isnull=True).update(overdue_since=today):
            return
        hazard = Hazard.objects.select_related("customer").get(pk=pk)
        rule = rules.get(hazard.severity)
        if rule is not None and rule.credit_event and hazard.credit_event_id is None:
            event = credit_event_record(
                customer=hazard.customer,
                kind=HAZARD_IGNORED,
                occurred_on=today,
                acting_user=None,
                note=hazard.description,
                source_ref=f"safety.hazard:{hazard.pk}",
            )
            hazard.credit_event_id = event.pk
            hazard.save(update_fields=["credit_event_id"])
            result.credit_events += 1
        events.overdue(hazard=hazard)
        # The alerts app raises "an open hazard past its deadline" into the responsible
        # inspector's queue (hazard.inspection.inspector), with escalation: here, in this
        # transaction, so an alert exists exactly when the hazard was marked overdue.
        result.overdue.append(pk)
