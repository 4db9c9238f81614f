"""The calendar's page, API and command: every write recorded with who made it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from gridcrm.service.calendar import CalendarRefused
from gridcrm.service.calendar_services import (
    calendar_day_remove,
    calendar_day_set,
    calendar_year_import,
)
from gridcrm.service.models import CalendarEvent, HolidayDay
from gridcrm.users.models import User

pytestmark = pytest.mark.django_db

DAY = dt.date(2031, 5, 12)  # a Monday of a year no schedule source has yet


def test_the_administrator_maintains_the_calendar(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    client.post("/service/calendar/", {"day": DAY.isoformat(), "kind": "holiday", "name": "假日"})
    day = HolidayDay.objects.get(day=DAY)
    assert day.updated_by == administrator
    client.post("/service/calendar/", {"delete": str(day.pk)})
    assert not HolidayDay.objects.filter(day=DAY).exists()
    kinds = list(
        CalendarEvent.objects.filter(day=DAY, acting_user=administrator)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["day_set", "day_removed"]


def test_an_agent_cannot_change_the_calendar(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.post("/service/calendar/", {"day": DAY.isoformat(), "kind": "holiday"})
    assert response.status_code == 403
    assert not HolidayDay.objects.filter(day=DAY).exists()
    assert not CalendarEvent.objects.filter(day=DAY).exists()


def test_the_administrator_imports_a_year_from_the_page(
    client: Client, administrator: User
) -> None:
    HolidayDay.objects.filter(day__year=2025).delete()
    client.force_login(administrator)
    response = client.post("/service/calendar/", {"year": "2025"})
    assert response.status_code == 302
    assert HolidayDay.objects.get(day=dt.date(2025, 9, 28)).kind == "workday"
    event = CalendarEvent.objects.filter(kind="year_imported", year=2025).latest("pk")
    assert event.acting_user == administrator


def test_a_year_the_source_lacks_is_refused_on_the_page(
    client: Client, administrator: User
) -> None:
    client.force_login(administrator)
    response = client.post("/service/calendar/", {"year": "2099"})
    assert response.status_code == 200
    assert not HolidayDay.objects.filter(day__year=2099).exists()


def test_the_missing_schedule_is_warned_to_those_who_can_fix_it(
    client: Client, administrator: User, agent: User
) -> None:
    HolidayDay.objects.filter(day__year=timezone.localdate().year).delete()
    client.force_login(administrator)
    assert 'data-testid="calendar-warning"' in client.get("/service/calendar/").content.decode()
    assert 'data-testid="calendar-warning"' in client.get("/").content.decode()
    client.force_login(agent)
    assert 'data-testid="calendar-warning"' not in client.get("/").content.decode()


def test_the_api_sets_imports_and_removes_days(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    put = client.put(
        "/api/service/calendar",
        {"day": DAY.isoformat(), "kind": "workday", "name": "调休上班"},
        content_type="application/json",
    )
    assert put.status_code == 200
    assert client.get("/api/service/calendar", {"year": 2031}).json()[0]["kind"] == "workday"
    bad = client.put(
        "/api/service/calendar",
        {"day": DAY.isoformat(), "kind": "maybe"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "service.calendar_day_invalid"
    imported = client.post(
        "/api/service/calendar/import", {"year": 2026}, content_type="application/json"
    )
    assert imported.json()["holidays"] > 20
    missing = client.post(
        "/api/service/calendar/import", {"year": 2099}, content_type="application/json"
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "service.calendar_schedule_unavailable"
    assert client.delete(f"/api/service/calendar/{DAY.isoformat()}").status_code == 204
    assert not HolidayDay.objects.filter(day=DAY).exists()
    kinds = set(
        CalendarEvent.objects.filter(acting_user=administrator).values_list("kind", flat=True)
    )
    assert kinds == {"day_set", "day_removed", "year_imported"}


def test_the_api_refuses_an_agent(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.put(
        "/api/service/calendar",
        {"day": DAY.isoformat(), "kind": "holiday"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "service.calendar_not_allowed"
    assert not CalendarEvent.objects.filter(day=DAY).exists()


def test_the_api_tells_a_provisional_deadline(client: Client, agent: User) -> None:
    HolidayDay.objects.filter(day__year=2027).delete()
    client.force_login(agent)
    body = client.get(
        "/api/service/calendar/deadline",
        {"start": "2026-12-28T10:00:00+08:00", "unit": "working_days", "value": "5"},
    ).json()
    assert body["provisional"] is True
    assert body["unscheduled_years"] == [2027]


def test_the_command_imports_a_year(administrator: User) -> None:
    HolidayDay.objects.filter(day__year=2026).delete()
    out = io.StringIO()
    call_command("calendar_import", "2026", "--user", "administrator", stdout=out)
    assert "2026:" in out.getvalue()
    assert HolidayDay.objects.filter(day__year=2026, kind="workday").count() == 6
    assert CalendarEvent.objects.filter(year=2026, acting_user=administrator).exists()


# -- every calendar write records its event, a refused one none ------------------------------


def test_each_calendar_service_writes_its_event(administrator: User) -> None:
    before = CalendarEvent.objects.count()
    calendar_day_set(day=DAY, kind="holiday", name="假日", acting_user=administrator)
    calendar_day_set(day=DAY, kind="workday", name="调休", acting_user=administrator)
    calendar_day_remove(day=DAY, acting_user=administrator)
    calendar_year_import(year=2025, acting_user=administrator)
    events = list(CalendarEvent.objects.order_by("pk")[before:])
    assert [e.kind for e in events] == ["day_set", "day_set", "day_removed", "year_imported"]
    assert all(e.acting_user == administrator for e in events)
    assert events[1].details["previous"] == {"kind": "holiday", "name": "假日"}


def test_a_refused_calendar_write_records_nothing(agent: User) -> None:
    before = CalendarEvent.objects.count()
    with pytest.raises(CalendarRefused) as excinfo:
        calendar_day_set(day=DAY, kind="holiday", acting_user=agent)
    assert excinfo.value.code == "service.calendar_not_allowed"
    with pytest.raises(CalendarRefused):
        calendar_year_import(year=2025, acting_user=agent)
    assert calendar_day_remove(day=DAY, acting_user=None) is False
    assert CalendarEvent.objects.count() == before
