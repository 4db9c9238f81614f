"""SLA clocks across weekends, configured holidays and make-up working days."""

from __future__ import annotations

import datetime as dt

import pytest

from gridcrm.service.calendar import deadline, working_days_between
from gridcrm.service.models import HolidayDay
from tests.service.conftest import local

pytestmark = pytest.mark.django_db

FRIDAY = local(2025, 6, 6, 10, 30)


def test_a_working_day_limit_skips_the_weekend() -> None:
    # Received on Friday: Monday is the first working day, the limit ends that midnight.
    assert deadline(start=FRIDAY, unit="working_days", value=1) == local(2025, 6, 10)


def test_five_working_days_from_friday_end_after_the_next_friday() -> None:
    assert deadline(start=FRIDAY, unit="working_days", value=5) == local(2025, 6, 14)


def test_a_configured_holiday_does_not_count() -> None:
    HolidayDay.objects.create(day=dt.date(2025, 6, 9), kind="holiday", name="测试假日")
    assert deadline(start=FRIDAY, unit="working_days", value=1) == local(2025, 6, 11)
    assert working_days_between(dt.date(2025, 6, 6), dt.date(2025, 6, 13)) == 4


def test_a_make_up_working_day_on_a_saturday_counts() -> None:
    HolidayDay.objects.create(day=dt.date(2025, 6, 7), kind="workday", name="调休上班")
    assert deadline(start=FRIDAY, unit="working_days", value=1) == local(2025, 6, 8)


def test_a_long_holiday_is_crossed() -> None:
    # National Day week 2025: 1–8 October off, Saturday 11 October worked.
    for day in range(1, 9):
        HolidayDay.objects.create(day=dt.date(2025, 10, day), kind="holiday", name="国庆节")
    HolidayDay.objects.create(day=dt.date(2025, 10, 11), kind="workday", name="调休上班")
    start = local(2025, 9, 30, 16, 0)
    # Working days after 30 Sep: Thu 9, Fri 10, Sat 11 (make-up), Mon 13.
    assert deadline(start=start, unit="working_days", value=3) == local(2025, 10, 12)
    assert deadline(start=start, unit="working_days", value=4) == local(2025, 10, 14)


def test_hour_and_minute_limits_run_through_nights_and_holidays() -> None:
    HolidayDay.objects.create(day=dt.date(2025, 6, 7), kind="holiday", name="假日")
    assert deadline(start=FRIDAY, unit="hours", value=24) == local(2025, 6, 7, 10, 30)
    assert deadline(start=FRIDAY, unit="minutes", value=45) == local(2025, 6, 6, 11, 15)


@pytest.mark.parametrize("unit", ["working_days", "hours", "minutes"])
def test_a_time_limit_of_zero_is_refused(unit: str) -> None:
    with pytest.raises(ValueError, match="positive|at least one"):
        deadline(start=FRIDAY, unit=unit, value=0)
