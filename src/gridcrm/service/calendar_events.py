"""The audit rows of the working-day calendar, one named function per kind of change.

Only the calendar's services call these, inside their own transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from gridcrm.service.models import CalendarEvent

if TYPE_CHECKING:
    from gridcrm.users.models import User


def calendar_day_set(
    *, day: dt.date, kind: str, name: str, previous: dict[str, str] | None, acting_user: User | None
) -> CalendarEvent:
    """A day was marked a holiday or a make-up working day (``previous``: what it was)."""
    details: dict[str, Any] = {"kind": kind, "name": name}
    if previous:
        details["previous"] = previous
    return CalendarEvent.objects.create(
        kind=CalendarEvent.Kind.DAY_SET,
        day=day,
        year=day.year,
        acting_user=acting_user,
        details=details,
    )


def calendar_day_removed(
    *, day: dt.date, kind: str, name: str, acting_user: User | None
) -> CalendarEvent:
    """A day went back to what its weekday says."""
    return CalendarEvent.objects.create(
        kind=CalendarEvent.Kind.DAY_REMOVED,
        day=day,
        year=day.year,
        acting_user=acting_user,
        details={"kind": kind, "name": name},
    )


def calendar_year_imported(
    *,
    year: int,
    source: str,
    holidays: int,
    workdays: int,
    added: int,
    changed: int,
    removed: int,
    acting_user: User | None,
) -> CalendarEvent:
    """A year's official schedule replaced the calendar's days of that year."""
    return CalendarEvent.objects.create(
        kind=CalendarEvent.Kind.YEAR_IMPORTED,
        year=year,
        acting_user=acting_user,
        details={
            "source": source,
            "holidays": holidays,
            "workdays": workdays,
            "added": added,
            "changed": changed,
            "removed": removed,
        },
    )
