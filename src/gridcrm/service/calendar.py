"""Working days (工作日) from the weekday and the holiday calendar an administrator keeps.

A day is a working day when it is Monday to Friday and not a public holiday, or when
the calendar marks it a make-up working day (调休上班, e.g. a Sunday before the Spring
Festival). A limit of N working days ends at midnight after the N-th working day that
follows the day the clock started; the day of receipt does not count.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gridcrm.service.models import HolidayDay, LimitUnit


def calendar_overrides(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """The calendar's holidays and make-up working days between two days, inclusive."""
    rows = HolidayDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "kind")
    return dict(rows)


def is_working_day(day: dt.date, overrides: dict[dt.date, str]) -> bool:
    kind = overrides.get(day)
    if kind == HolidayDay.Kind.HOLIDAY:
        return False
    if kind == HolidayDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """Midnight (local) after the ``days``-th working day following ``start``'s local day."""
    if days < 1:
        raise ValueError("A time limit must be at least one working day.")
    day = timezone.localtime(start).date()
    window_end = day + dt.timedelta(days=2 * days + 40)
    overrides = calendar_overrides(day, window_end)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day > window_end:  # a calendar with very long holidays: read further
            window_end = day + dt.timedelta(days=2 * days + 40)
            overrides |= calendar_overrides(day, window_end)
        if is_working_day(day, overrides):
            counted += 1
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def deadline(*, start: dt.datetime, unit: str, value: int) -> dt.datetime:
    """When a limit of ``value`` ``unit`` that starts at ``start`` runs out."""
    if value < 1:
        raise ValueError("A time limit must be positive.")
    if unit == LimitUnit.WORKING_DAYS:
        return add_working_days(start, value)
    if unit == LimitUnit.HOURS:
        return start + dt.timedelta(hours=value)
    if unit == LimitUnit.MINUTES:
        return start + dt.timedelta(minutes=value)
    raise ValueError(f"Unknown time limit unit {unit!r}.")


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    if end <= start:
        return 0
    overrides = calendar_overrides(start, end)
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=n), overrides)
    )
