"""SLA clocks across weekends, configured holidays and make-up working days; the official
schedule (chinesecalendar) and what a limit says when it runs into a year without one."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

from gridcrm.service.calendar import (
    CalendarMissingWarning,
    LimitInvalid,
    calendar_warning,
    deadline,
    deadline_flagged,
    working_days_between,
)
from gridcrm.service.calendar_services import calendar_year_import
from gridcrm.service.models import HolidayDay
from tests.service.conftest import local

pytestmark = pytest.mark.django_db

FRIDAY = local(2025, 6, 6, 10, 30)


@pytest.fixture
def empty_calendar() -> None:
    """No days marked at all (GridCRM installs the official schedules after migrate)."""
    HolidayDay.objects.all().delete()


@pytest.fixture
def official() -> None:
    """The official schedules of 2025 and 2026, and none of 2027."""
    for year in (2025, 2026):
        calendar_year_import(year=year, acting_user=None)
    HolidayDay.objects.filter(day__year=2027).delete()


def test_a_working_day_limit_skips_the_weekend() -> None:
    # Received on Friday: Monday is the first working day, the limit ends that midnight.
    assert deadline(start=FRIDAY, unit="working_days", value=1) == local(2025, 6, 10)


def test_five_working_days_from_friday_end_after_the_next_friday() -> None:
    assert deadline(start=FRIDAY, unit="working_days", value=5) == local(2025, 6, 14)


@pytest.mark.usefixtures("empty_calendar")
def test_a_configured_holiday_does_not_count() -> None:
    HolidayDay.objects.create(day=dt.date(2025, 6, 9), kind="holiday", name="测试假日")
    assert deadline(start=FRIDAY, unit="working_days", value=1) == local(2025, 6, 11)
    assert working_days_between(dt.date(2025, 6, 6), dt.date(2025, 6, 13)) == 4


@pytest.mark.usefixtures("empty_calendar")
def test_a_make_up_working_day_on_a_saturday_counts() -> None:
    HolidayDay.objects.create(day=dt.date(2025, 6, 7), kind="workday", name="调休上班")
    assert deadline(start=FRIDAY, unit="working_days", value=1) == local(2025, 6, 8)


@pytest.mark.usefixtures("empty_calendar")
def test_a_long_holiday_is_crossed() -> None:
    # National Day week 2025: 1–8 October off, Saturday 11 October worked.
    for day in range(1, 9):
        HolidayDay.objects.create(day=dt.date(2025, 10, day), kind="holiday", name="国庆节")
    HolidayDay.objects.create(day=dt.date(2025, 10, 11), kind="workday", name="调休上班")
    start = local(2025, 9, 30, 16, 0)
    # Working days after 30 Sep: Thu 9, Fri 10, Sat 11 (make-up), Mon 13.
    assert deadline(start=start, unit="working_days", value=3) == local(2025, 10, 12)
    assert deadline(start=start, unit="working_days", value=4) == local(2025, 10, 14)


@pytest.mark.usefixtures("empty_calendar")
def test_hour_and_minute_limits_run_through_nights_and_holidays() -> None:
    HolidayDay.objects.create(day=dt.date(2025, 6, 7), kind="holiday", name="假日")
    assert deadline(start=FRIDAY, unit="hours", value=24) == local(2025, 6, 7, 10, 30)
    assert deadline(start=FRIDAY, unit="minutes", value=45) == local(2025, 6, 6, 11, 15)


@pytest.mark.parametrize("unit", ["working_days", "hours", "minutes"])
def test_a_time_limit_of_zero_is_refused(unit: str) -> None:
    with pytest.raises(LimitInvalid) as excinfo:
        deadline(start=FRIDAY, unit=unit, value=0)
    assert isinstance(excinfo.value, ValueError)
    assert excinfo.value.code == "service.limit_invalid"


# -- the official schedule -----------------------------------------------------------------


@pytest.mark.usefixtures("official")
def test_national_day_and_mid_autumn_2025_follow_the_published_schedule() -> None:
    # 1–8 October off; Sunday 28 September and Saturday 11 October worked.
    start = local(2025, 9, 26, 10, 0)  # a Friday
    assert deadline(start=start, unit="working_days", value=1) == local(2025, 9, 29)
    assert deadline(start=start, unit="working_days", value=3) == local(2025, 10, 1)
    assert deadline(start=start, unit="working_days", value=4) == local(2025, 10, 10)
    assert deadline(start=start, unit="working_days", value=6) == local(2025, 10, 12)
    assert deadline(start=start, unit="working_days", value=7) == local(2025, 10, 14)
    assert working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 12)) == 3


@pytest.mark.usefixtures("official")
def test_the_spring_festival_2026_follows_the_published_schedule() -> None:
    # 15–23 February off; Saturdays 14 and 28 February worked.
    start = local(2026, 2, 13, 10, 0)  # a Friday
    assert deadline(start=start, unit="working_days", value=1) == local(2026, 2, 15)
    assert deadline(start=start, unit="working_days", value=2) == local(2026, 2, 25)
    assert deadline(start=start, unit="working_days", value=6) == local(2026, 3, 1)
    assert deadline(start=start, unit="working_days", value=7) == local(2026, 3, 3)


@pytest.mark.usefixtures("official")
def test_new_year_2026_and_its_make_up_sunday() -> None:
    # 1–3 January 2026 off, Sunday 4 January worked; nothing is provisional.
    start = local(2025, 12, 31, 10, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = deadline_flagged(start=start, unit="working_days", value=2)
        assert deadline(start=start, unit="working_days", value=2) == result.at
    assert result.at == local(2026, 1, 6)
    assert not result.provisional


@pytest.mark.usefixtures("official")
def test_a_limit_into_a_year_without_a_schedule_says_so() -> None:
    start = local(2026, 12, 28, 10, 0)  # a Monday
    result = deadline_flagged(start=start, unit="working_days", value=5)
    # Counted by weekday: 29, 30, 31 December, Friday 1 January (!), Monday 4 January.
    assert result.at == local(2027, 1, 5)
    assert result.provisional
    assert result.unscheduled_years == (2027,)
    with pytest.warns(CalendarMissingWarning, match="2027"):
        deadline(start=start, unit="working_days", value=5)


@pytest.mark.usefixtures("official")
def test_next_years_missing_schedule_is_warned_from_the_first_of_november() -> None:
    assert calendar_warning(today=dt.date(2026, 10, 31)) == ""
    assert "2027" in calendar_warning(today=dt.date(2026, 11, 1))
    assert "2027" in calendar_warning(today=dt.date(2026, 12, 28))
    calendar_year_import(year=2025, acting_user=None)
    assert calendar_warning(today=dt.date(2025, 11, 1)) == ""


def test_gridcrm_installs_the_official_schedules_it_knows() -> None:
    # Installed after migrate (and after a test database's flush), as the system.
    from gridcrm.service.models import CalendarEvent

    assert HolidayDay.objects.get(day=dt.date(2025, 10, 1)).kind == "holiday"
    assert HolidayDay.objects.get(day=dt.date(2025, 10, 11)).kind == "workday"
    assert HolidayDay.objects.get(day=dt.date(2026, 2, 14)).kind == "workday"
    event = CalendarEvent.objects.filter(kind="year_imported", year=2026).latest("at")
    assert event.acting_user is None
    assert event.details["source"].startswith("chinesecalendar")
