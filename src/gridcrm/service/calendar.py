"""Working days (工作日) from the weekday and the official holiday schedule.

A day is a working day when it is Monday to Friday and not a public holiday, or when
the calendar marks it a make-up working day (调休上班, e.g. a Sunday before the Spring
Festival). A limit of N working days ends at midnight after the N-th working day that
follows the day the clock started; the day of receipt does not count.

A year *has a schedule* when the calendar holds at least one public holiday in it (every
year's official schedule starts with New Year's Day). The State Council publishes next
year's schedule each November; until it is loaded, a working-day limit that runs into
that year counts its weekdays only, and says so: ``deadline_flagged`` returns the
deadline with the years it could not read (``provisional``), and ``deadline`` emits a
``CalendarMissingWarning`` and logs it. Administrators are warned on the calendar page
and the overview from 1 November (``calendar_warning``).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.core.errors import Conflict, Invalid, NotFound, Refused
from gridcrm.service.models import HolidayDay, LimitUnit

log = logging.getLogger(__name__)

# From this day of a year on, next year's missing schedule is worth a warning (the State
# Council publishes it in November).
WARN_FROM = (11, 1)

# The years a calendar can be asked for, on the page and through the API; outside them
# dates cannot be built (year 0) and no schedule exists.
FIRST_YEAR = 1900
LAST_YEAR = 2200


class CalendarRefused(Refused):
    code = "service.calendar_not_allowed"


class CalendarDayInvalid(Invalid):
    code = "service.calendar_day_invalid"


class ScheduleUnavailable(NotFound):
    """The maintained source has no official schedule of that year (yet)."""

    code = "service.calendar_schedule_unavailable"


class ScheduleConflict(Conflict):
    code = "service.calendar_schedule_conflict"


class LimitInvalid(Invalid, ValueError):
    """A time limit that is not a positive number of a known unit (also a ``ValueError``
    for callers that parse limits)."""

    code = "service.limit_invalid"


class CalendarMissingWarning(UserWarning):
    """A working-day limit ran through a year whose official schedule is not loaded
    (``years``: those years)."""

    years: tuple[int, ...] = ()

    @classmethod
    def of(cls, years: tuple[int, ...]) -> CalendarMissingWarning:
        warning = cls(
            "No official holiday schedule for "
            + ", ".join(str(y) for y in years)
            + ": its holidays were counted as working days."
        )
        warning.years = years
        return warning


@dataclass(frozen=True)
class Deadline:
    """When a limit runs out, and the years it counted without a schedule."""

    at: dt.datetime
    unscheduled_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        """True when some working days were counted by weekday only."""
        return bool(self.unscheduled_years)


def calendar_overrides(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """The calendar's holidays and make-up working days between two days, inclusive."""
    rows = HolidayDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "kind")
    return dict(rows)


def scheduled_years(first: int, last: int) -> set[int]:
    """The years from ``first`` to ``last`` (inclusive) whose schedule is loaded."""
    days = HolidayDay.objects.filter(
        kind=HolidayDay.Kind.HOLIDAY, day__year__gte=first, day__year__lte=last
    ).values_list("day", flat=True)
    return {day.year for day in days}


def is_working_day(day: dt.date, overrides: dict[dt.date, str]) -> bool:
    kind = overrides.get(day)
    if kind == HolidayDay.Kind.HOLIDAY:
        return False
    if kind == HolidayDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def _working_days_add(start: dt.datetime, days: int) -> Deadline:
    if days < 1:
        raise LimitInvalid(_("A time limit must be at least one working day."))
    day = timezone.localtime(start).date()
    window_end = day + dt.timedelta(days=2 * days + 40)
    overrides = calendar_overrides(day, window_end)
    counted = 0
    first = day + dt.timedelta(days=1)
    while counted < days:
        day += dt.timedelta(days=1)
        if day > window_end:  # a calendar with very long holidays: read further
            window_end = day + dt.timedelta(days=2 * days + 40)
            overrides |= calendar_overrides(day, window_end)
        if is_working_day(day, overrides):
            counted += 1
    known = scheduled_years(first.year, day.year)
    missing = tuple(y for y in range(first.year, day.year + 1) if y not in known)
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return Deadline(timezone.make_aware(midnight, timezone.get_default_timezone()), missing)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """Midnight (local) after the ``days``-th working day following ``start``'s local day."""
    return _said(_working_days_add(start, days))


def deadline_flagged(*, start: dt.datetime, unit: str, value: int) -> Deadline:
    """When a limit of ``value`` ``unit`` that starts at ``start`` runs out, flagged
    ``provisional`` when it counted working days in a year with no schedule."""
    if value < 1:
        raise LimitInvalid(_("A time limit must be positive."))
    if unit == LimitUnit.WORKING_DAYS:
        return _working_days_add(start, value)
    if unit == LimitUnit.HOURS:
        return Deadline(start + dt.timedelta(hours=value))
    if unit == LimitUnit.MINUTES:
        return Deadline(start + dt.timedelta(minutes=value))
    raise LimitInvalid(_("Unknown time limit unit %(unit)s.") % {"unit": unit})


def deadline(*, start: dt.datetime, unit: str, value: int) -> dt.datetime:
    """When a limit of ``value`` ``unit`` that starts at ``start`` runs out.

    A working-day limit that runs into a year with no schedule is counted by weekday and
    a ``CalendarMissingWarning`` is emitted (and logged); ``deadline_flagged`` gives the
    flag to callers that show it."""
    return _said(deadline_flagged(start=start, unit=unit, value=value))


def _said(result: Deadline) -> dt.datetime:
    if result.provisional:
        log.warning(
            "Deadline %s counted without a holiday schedule for %s",
            result.at,
            result.unscheduled_years,
        )
        warnings.warn(CalendarMissingWarning.of(result.unscheduled_years), stacklevel=3)
    return result.at


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


def calendar_warning(*, today: dt.date | None = None) -> str:
    """What an administrator should know about missing schedules ("" when nothing): this
    year's always, next year's from 1 November."""
    today = today or timezone.localdate()
    wanted = [today.year]
    if (today.month, today.day) >= WARN_FROM:
        wanted.append(today.year + 1)
    known = scheduled_years(wanted[0], wanted[-1])
    missing = [y for y in wanted if y not in known]
    if not missing:
        return ""
    return _(
        "The official holiday schedule for %(years)s is not loaded: working-day time limits "
        "that run into it count its holidays as working days. Import it on the calendar page."
    ) % {"years": ", ".join(str(y) for y in missing)}
