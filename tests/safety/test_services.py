"""Inspections, hazards and their notices, follow-up and the overdue sweep, through the
services: what the inspector, the customer and the credit rating would notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gridcrm.alerts.models import Alert
from gridcrm.alerts.services import alerts_sweep
from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.credit.models import CreditEvent
from gridcrm.portal.selectors import inbox
from gridcrm.safety.models import Hazard, Inspection, SafetyEvent
from gridcrm.safety.rules import DEFAULT_CYCLES, DEFAULT_DEADLINES
from gridcrm.safety.selectors import customer_timeline, grid_risks
from gridcrm.safety.services import (
    HazardIn,
    hazard_rectification_report,
    hazard_reinspect,
    hazards_overdue_sweep,
    inspection_record,
    rules_publish,
)
from gridcrm.service.models import Notice, NoticeDelivery
from gridcrm.users.models import User
from tests.safety.conftest import one_hazard, record, today


def test_an_inspection_with_a_hazard_sends_the_customer_the_notice(
    inspector_a: User, hospital: Customer
) -> None:
    inspection = record(inspector_a, hospital, ("配电室电缆沟积水", "significant"))
    hazard = one_hazard(inspection)
    assert hazard.deadline == today() + dt.timedelta(days=30)
    assert hazard.status == Hazard.Status.OPEN
    notice = Notice.objects.get(pk=hazard.notice_id)
    assert notice.kind == Notice.Kind.HAZARD
    assert "配电室电缆沟积水" in notice.body
    # In the portal inbox at once; SMS to the archive's mobile with the next sweep.
    assert [row.notice.pk for row in inbox(customer=hospital)] == [notice.pk]
    channels = dict(NoticeDelivery.objects.filter(notice=notice).values_list("channel", "status"))
    assert channels == {"in_app": "sent", "sms": "scheduled"}
    assert set(NoticeDelivery.objects.values_list("customer_id", flat=True)) == {hospital.pk}


def test_an_inspection_without_hazards_sends_nothing(inspector_a: User, hospital: Customer) -> None:
    inspection = record(inspector_a, hospital)
    assert inspection.result == Inspection.Result.PASSED
    assert not Notice.objects.exists()


def test_deadlines_follow_the_published_rules(
    inspector_a: User, manager: User, hospital: Customer
) -> None:
    deadlines = [dict(d) for d in DEFAULT_DEADLINES]
    deadlines[2]["days"] = 3
    version = rules_publish(cycles=DEFAULT_CYCLES, deadlines=deadlines, acting_user=manager)
    assert version.number == 1
    hazard = one_hazard(record(inspector_a, hospital, ("五防闭锁失效", "major")))
    assert hazard.deadline == today() + dt.timedelta(days=3)


def _inspect(user: User, **changes: Any) -> Inspection:
    values: dict[str, Any] = {
        "inspected_on": today(),
        "checklist": {"grounding": "problem"},
        "result": "hazards",
        "hazards": [HazardIn("接地电阻超标", "general")],
        "acting_user": user,
    }
    values.update(changes)
    return inspection_record(**values)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"hazards": [HazardIn("接地电阻超标", "general", dt.date(2020, 1, 1))]}, "deadline_past"),
        ({"account_no": "0999999999"}, "unknown_customer"),
        ({"account_no": "0200000001"}, "unknown_customer"),  # customer_b: district B
        ({"checklist": {"roof": "ok"}}, "invalid_inspection"),
        ({"checklist": {"grounding": "fine"}}, "invalid_inspection"),
        ({"result": "passed"}, "invalid_inspection"),
        ({"hazards": []}, "invalid_inspection"),
        ({"hazards": [HazardIn("接地电阻超标", "catastrophic")]}, "invalid_inspection"),
        ({"hazards": [HazardIn("  ", "general")]}, "invalid_inspection"),
        ({"inspected_on": today() + dt.timedelta(days=1)}, "invalid_inspection"),
    ],
)
def test_a_bad_inspection_is_refused_with_its_code_and_nothing_kept(
    changes: dict[str, Any],
    code: str,
    inspector_a: User,
    hospital: Customer,
    customer_b: Customer,
) -> None:
    with pytest.raises(DomainError) as refused:
        _inspect(inspector_a, **{"account_no": hospital.account_no, **changes})
    assert refused.value.code == f"safety.{code}"
    assert not Inspection.objects.exists()
    assert not Hazard.objects.exists()
    assert not Notice.objects.exists()
    assert not SafetyEvent.objects.exists()


def test_a_role_that_does_not_inspect_is_refused(manager: User, hospital: Customer) -> None:
    with pytest.raises(DomainError) as refused:
        _inspect(manager, account_no=hospital.account_no)
    assert refused.value.code == "safety.may_not_inspect"
    assert not Inspection.objects.exists()


def test_a_hazard_closes_only_after_rectification_is_reported_and_reinspected(
    inspector_a: User, hospital: Customer
) -> None:
    hazard = one_hazard(record(inspector_a, hospital, ("接地电阻超标", "general"), days_ago=3))
    with pytest.raises(DomainError) as refused:
        hazard_reinspect(
            hazard=hazard, inspected_on=today(), rectified=True, acting_user=inspector_a
        )
    assert refused.value.code == "safety.not_rectified"
    with pytest.raises(DomainError) as refused:
        hazard_rectification_report(
            hazard=hazard, reported_on=today() + dt.timedelta(days=1), acting_user=inspector_a
        )
    assert refused.value.code == "safety.invalid_date"
    hazard_rectification_report(
        hazard=hazard,
        reported_on=today() - dt.timedelta(days=1),
        note="已重做接地",
        acting_user=inspector_a,
    )
    hazard.refresh_from_db()
    assert (hazard.status, hazard.report_note) == (Hazard.Status.REPORTED, "已重做接地")
    hazard = hazard_reinspect(
        hazard=hazard,
        inspected_on=today(),
        rectified=True,
        notes="复查合格",
        acting_user=inspector_a,
    )
    assert (hazard.status, hazard.closed_on) == (Hazard.Status.CLOSED, today())
    assert hazard.reinspections.get().result == Inspection.Result.PASSED
    with pytest.raises(DomainError) as refused:
        hazard_rectification_report(hazard=hazard, reported_on=today(), acting_user=inspector_a)
    assert refused.value.code == "safety.hazard_closed"


def test_a_failed_reinspection_opens_the_hazard_again(
    inspector_a: User, hospital: Customer
) -> None:
    hazard = one_hazard(record(inspector_a, hospital, ("接地电阻超标", "general"), days_ago=3))
    hazard_rectification_report(hazard=hazard, reported_on=today(), acting_user=inspector_a)
    hazard = hazard_reinspect(
        hazard=hazard, inspected_on=today(), rectified=False, acting_user=inspector_a
    )
    assert (hazard.status, hazard.reported_on) == (Hazard.Status.OPEN, None)


def test_an_ignored_hazard_raises_the_credit_event_once_and_rectification_ends_it(
    inspector_a: User, hospital: Customer
) -> None:
    ignored = one_hazard(record(inspector_a, hospital, ("电缆沟积水", "significant"), days_ago=40))
    minor = one_hazard(record(inspector_a, hospital, ("标识缺失", "general"), days_ago=100))
    in_time = one_hazard(record(inspector_a, hospital, ("开关柜锈蚀", "significant"), days_ago=10))

    first = hazards_overdue_sweep()
    second = hazards_overdue_sweep()

    assert sorted(first.overdue) == sorted([ignored.pk, minor.pk])
    assert (first.credit_events, second.overdue, second.credit_events) == (1, [], 0)
    events = CreditEvent.objects.filter(customer=hospital, kind="hazard_ignored")
    assert events.count() == 1
    ignored.refresh_from_db()
    in_time.refresh_from_db()
    assert ignored.overdue_since == today()
    assert ignored.credit_event_id == events.get().pk
    assert in_time.overdue_since is None

    hazard_rectification_report(hazard=ignored, reported_on=today(), acting_user=inspector_a)
    hazard_reinspect(hazard=ignored, inspected_on=today(), rectified=True, acting_user=inspector_a)
    assert events.get().resolved_on == today()


def test_a_hazard_reported_rectified_is_not_ignored(inspector_a: User, hospital: Customer) -> None:
    hazard = one_hazard(record(inspector_a, hospital, ("电缆沟积水", "significant"), days_ago=40))
    hazard_rectification_report(
        hazard=hazard, reported_on=today() - dt.timedelta(days=20), acting_user=inspector_a
    )
    assert hazards_overdue_sweep().overdue == []
    assert not CreditEvent.objects.exists()


def test_rules_that_do_not_validate_are_refused(manager: User, inspector_a: User) -> None:
    with pytest.raises(DomainError) as refused:
        rules_publish(cycles=DEFAULT_CYCLES, deadlines=DEFAULT_DEADLINES[:2], acting_user=manager)
    assert refused.value.code == "safety.invalid_rules"
    with pytest.raises(DomainError) as refused:
        rules_publish(
            cycles=[{"customer_class": "class_1", "months": 0}],
            deadlines=DEFAULT_DEADLINES,
            acting_user=manager,
        )
    assert refused.value.code == "safety.invalid_rules"
    with pytest.raises(DomainError) as refused:
        rules_publish(cycles=DEFAULT_CYCLES, deadlines=DEFAULT_DEADLINES, acting_user=inspector_a)
    assert refused.value.code == "safety.may_not_manage_rules"


def test_the_customers_timeline_shows_the_safety_events_to_those_who_may_see_them(
    inspector_a: User, inspector_b: User, hospital: Customer
) -> None:
    hazard = one_hazard(record(inspector_a, hospital, ("电缆沟积水", "significant")))
    entries = customer_timeline(customer=hospital, user=inspector_a, limit=10)
    assert {e.kind for e in entries} == {"inspected", "hazard_found"}
    assert f"/safety/hazards/{hazard.pk}/" in {e.url for e in entries}
    assert customer_timeline(customer=hospital, user=inspector_b, limit=10) == []


def test_an_open_hazard_past_its_deadline_alerts_the_station_once(
    inspector_a: User, hospital: Customer
) -> None:
    ignored = one_hazard(record(inspector_a, hospital, ("电缆沟积水", "significant"), days_ago=40))
    in_time = one_hazard(record(inspector_a, hospital, ("开关柜锈蚀", "significant"), days_ago=10))
    now = timezone.now()

    alerts_sweep(now=now)
    alerts_sweep(now=now)

    # Only the hazard past its deadline raises an alert, once; the other is on the overview.
    raised = Alert.objects.filter(kind="grid.hazard")
    assert list(raised.values_list("dedupe_key", flat=True)) == [f"grid.hazard:hazard:{ignored.pk}"]
    risks = {risk.subject_ref: risk.severity for risk in grid_risks(today())}
    assert risks == {str(ignored.pk): "critical", str(in_time.pk): "info"}

    hazard_rectification_report(hazard=ignored, reported_on=today(), acting_user=inspector_a)
    hazard_reinspect(hazard=ignored, inspected_on=today(), rectified=True, acting_user=inspector_a)
    alerts_sweep(now=now)
    assert raised.get().status == "closed"
