"""Writes of the working-day calendar: one day at a time, or a year's official schedule.

The official schedule (国务院办公厅 部分节假日安排) comes from the ``chinesecalendar``
package, which encodes each year's published holidays and make-up working days and is
updated when the State Council publishes the next year (each November): upgrading the
package and running ``gridcrm migrate`` installs the years it adds, and an administrator
can import (re-import) a year from the calendar page, the API or ``gridcrm calendar_import``.

Every write checks ``service.manage_calendar`` (``acting_user=None`` is the system, e.g.
the install after migrate) and writes a ``CalendarEvent`` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gridcrm.service import calendar_events
from gridcrm.service.calendar import (
    CalendarDayInvalid,
    CalendarRefused,
    ScheduleUnavailable,
    scheduled_years,
)
from gridcrm.service.models import HolidayDay

if TYPE_CHECKING:
    from gridcrm.users.models import User

MAKE_UP = "调休上班"


@dataclass(frozen=True)
class OfficialDay:
    day: dt.date
    kind: str
    name: str


def official_source() -> str:
    """The maintained source and its version, as recorded in the import events."""
    import chinese_calendar

    return f"chinesecalendar {chinese_calendar.__version__}"


def official_years() -> list[int]:
    """The years the installed source has a published schedule of."""
    from chinese_calendar import constants

    return sorted({day.year for day in constants.holidays})


def official_schedule(year: int) -> list[OfficialDay]:
    """The published holidays and make-up working days of ``year``, in day order.

    Raises ``ScheduleUnavailable`` when the installed source has no schedule of that year."""
    from chinese_calendar import constants

    if year not in official_years():
        raise ScheduleUnavailable(
            _("The installed schedule source has no official schedule for %(year)s yet.")
            % {"year": year},
        )
    chinese = {h.value: h.chinese for h in constants.Holiday}
    days = [
        OfficialDay(day, HolidayDay.Kind.HOLIDAY, chinese.get(name, name))
        for day, name in constants.holidays.items()
        if day.year == year
    ] + [
        OfficialDay(day, HolidayDay.Kind.WORKDAY, f"{MAKE_UP}（{chinese.get(name, name)}）")
        for day, name in constants.workdays.items()
        if day.year == year
    ]
    return sorted(days, key=lambda d: d.day)


def _require(acting_user: User | None) -> None:
    if acting_user is not None and not acting_user.has_perm("service.manage_calendar"):
        raise CalendarRefused(_("Your role may not change the holiday calendar."))


@transaction.atomic
def calendar_day_set(
    *, day: dt.date, kind: str, name: str = "", acting_user: User | None
) -> HolidayDay:
    """Mark ``day`` a public holiday or a make-up working day (replacing what it was)."""
    _require(acting_user)
    if kind not in HolidayDay.Kind.values:
        raise CalendarDayInvalid(fields={"kind": _("Choose a holiday or a make-up working day.")})
    existing = HolidayDay.objects.select_for_update().filter(day=day).first()
    previous = {"kind": existing.kind, "name": existing.name} if existing else None
    row, _created = HolidayDay.objects.update_or_create(
        day=day, defaults={"kind": kind, "name": name, "updated_by": acting_user}
    )
    calendar_events.calendar_day_set(
        day=day, kind=kind, name=name, previous=previous, acting_user=acting_user
    )
    return row


@transaction.atomic
def calendar_day_remove(*, day: dt.date, acting_user: User | None) -> bool:
    """Let ``day`` be what its weekday says; False (and no event) when it was not marked."""
    _require(acting_user)
    row = HolidayDay.objects.select_for_update().filter(day=day).first()
    if row is None:
        return False
    row.delete()
    calendar_events.calendar_day_removed(
        day=day, kind=row.kind, name=row.name, acting_user=acting_user
    )
    return True


@dataclass(frozen=True)
class ImportResult:
    year: int
    holidays: int
    workdays: int
    added: int
    changed: int
    removed: int


@transaction.atomic
def calendar_year_import(*, year: int, acting_user: User | None) -> ImportResult:
    """Make the calendar's days of ``year`` the official schedule: its holidays and make-up
    days are set, other days of that year marked by hand are removed."""
    _require(acting_user)
    official = official_schedule(year)
    current = {
        row.day: row for row in HolidayDay.objects.select_for_update().filter(day__year=year)
    }
    wanted = {d.day: d for d in official}
    added = changed = 0
    new_rows = []
    for item in official:
        row = current.get(item.day)
        if row is None:
            added += 1
            new_rows.append(
                HolidayDay(day=item.day, kind=item.kind, name=item.name, updated_by=acting_user)
            )
        elif (row.kind, row.name) != (item.kind, item.name):
            changed += 1
            row.kind, row.name, row.updated_by = item.kind, item.name, acting_user
            row.save(update_fields=["kind", "name", "updated_by"])
    HolidayDay.objects.bulk_create(new_rows)
    stale = [day for day in current if day not in wanted]
    HolidayDay.objects.filter(day__in=stale).delete()
    result = ImportResult(
        year=year,
        holidays=sum(1 for d in official if d.kind == HolidayDay.Kind.HOLIDAY),
        workdays=sum(1 for d in official if d.kind == HolidayDay.Kind.WORKDAY),
        added=added,
        changed=changed,
        removed=len(stale),
    )
    calendar_events.calendar_year_imported(
        year=year,
        source=official_source(),
        holidays=result.holidays,
        workdays=result.workdays,
        added=added,
        changed=changed,
        removed=len(stale),
        acting_user=acting_user,
    )
    return result


def calendar_install_missing() -> list[int]:
    """Import, as the system, every year the source has and the calendar has no schedule
    of (run after every migrate); years already scheduled are left as they are."""
    years = official_years()
    if not years:
        return []
    known = scheduled_years(years[0], years[-1])
    missing = [y for y in years if y not in known]
    for year in missing:
        calendar_year_import(year=year, acting_user=None)
    return missing
