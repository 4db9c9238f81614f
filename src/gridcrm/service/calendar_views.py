"""The working-day calendar page: the year's days, and for administrators setting or
removing a day and importing a year's official schedule. Views parse input and call the
calendar's services (``calendar_services``); they decide nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcrm.service.calendar import FIRST_YEAR, LAST_YEAR, calendar_warning
from gridcrm.service.calendar_services import (
    calendar_day_remove,
    calendar_day_set,
    calendar_year_import,
    official_source,
    official_years,
)
from gridcrm.service.models import CalendarEvent, HolidayDay
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest


class CalendarDayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("day"),
        widget=forms.DateInput(attrs={"type": "date", "autofocus": True}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=HolidayDay.Kind.choices)
    name = forms.CharField(label=gettext_lazy("name"), max_length=60, required=False)


class ScheduleImportForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)


def _year(request: AuthedRequest) -> int:
    raw = request.GET.get("year", "")
    # ASCII digits only: "²".isdigit() is true, but int("²") raises.
    if raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return timezone.localdate().year


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def calendar(request: AuthedRequest) -> HttpResponse:
    """The holiday calendar of a year; an administrator sets, removes and imports days."""
    can_edit = request.user.has_perm("service.manage_calendar")
    form = CalendarDayForm(request.POST if "day" in request.POST else None)
    import_form = ScheduleImportForm(request.POST if "year" in request.POST else None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        with page_errors(request, form=form):
            if "delete" in request.POST:
                row = get_object_or_404(HolidayDay, pk=request.POST["delete"])
                calendar_day_remove(day=row.day, acting_user=request.user)
                return redirect(f"{request.path}?year={row.day.year}")
            if form.is_valid():
                data = form.cleaned_data
                calendar_day_set(
                    day=data["day"], kind=data["kind"], name=data["name"], acting_user=request.user
                )
                return redirect(f"{request.path}?year={data['day'].year}")
        with page_errors(request, form=import_form):
            if import_form.is_valid():
                result = calendar_year_import(
                    year=import_form.cleaned_data["year"], acting_user=request.user
                )
                messages.success(
                    request,
                    _(
                        "The official schedule for %(year)s is in place: %(holidays)s holidays, "
                        "%(workdays)s make-up working days."
                    )
                    % {
                        "year": result.year,
                        "holidays": result.holidays,
                        "workdays": result.workdays,
                    },
                )
                return redirect(f"{request.path}?year={result.year}")
    year = _year(request)
    return render(
        request,
        "service/calendar.html",
        {
            "form": form,
            "import_form": import_form,
            "can_edit": can_edit,
            "days": HolidayDay.objects.filter(day__year=year),
            "year": year,
            "warning": calendar_warning(),
            "source": official_source(),
            "source_years": official_years(),
            "events": CalendarEvent.objects.select_related("acting_user")[:20] if can_edit else [],
        },
    )
