"""REST endpoints of the working-day calendar (mounted under ``/api/service/calendar``).

Writes go through ``calendar_services`` (which check ``service.manage_calendar`` and record
a ``CalendarEvent``); their refusals reach the API's one exception handler.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from gridcrm.service.calendar import FIRST_YEAR, LAST_YEAR, deadline_flagged
from gridcrm.service.calendar_services import (
    calendar_day_remove,
    calendar_day_set,
    calendar_year_import,
)
from gridcrm.service.models import HolidayDay
from gridcrm.web.http import AuthedRequest

router = Router(tags=["service"])


class HolidayIO(Schema):
    day: dt.date
    kind: str
    name: str = ""


class YearIn(Schema):
    """A calendar year; another answers 422 (year 0 cannot even be a date)."""

    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)


class ImportIn(YearIn):
    pass


class CalendarImportOut(Schema):
    year: int
    holidays: int
    workdays: int
    added: int
    changed: int
    removed: int


class DeadlineOut(Schema):
    at: dt.datetime
    provisional: bool
    unscheduled_years: list[int]


@router.get("", response=list[HolidayIO], summary="Holiday calendar")
def calendar(request: AuthedRequest, query: Query[YearIn]) -> Any:
    return list(HolidayDay.objects.filter(day__year=query.year))


@router.put("", response=HolidayIO, summary="Set a calendar day")
def calendar_put(request: AuthedRequest, payload: HolidayIO) -> HolidayDay:
    return calendar_day_set(
        day=payload.day, kind=payload.kind, name=payload.name, acting_user=request.user
    )


@router.post("/import", response=CalendarImportOut, summary="Import a year's official schedule")
def calendar_import(request: AuthedRequest, payload: ImportIn) -> Any:
    return calendar_year_import(year=payload.year, acting_user=request.user)


@router.get("/deadline", response=DeadlineOut, summary="When a time limit runs out")
def calendar_deadline(request: AuthedRequest, start: dt.datetime, unit: str, value: int) -> Any:
    """A limit's end, ``provisional`` when it ran through a year with no schedule."""
    result = deadline_flagged(start=start, unit=unit, value=value)
    return {
        "at": result.at,
        "provisional": result.provisional,
        "unscheduled_years": list(result.unscheduled_years),
    }


@router.delete("/{day}", response={204: None}, summary="Remove a calendar day")
def calendar_delete(request: AuthedRequest, day: dt.date) -> tuple[int, None]:
    calendar_day_remove(day=day, acting_user=request.user)
    return 204, None
