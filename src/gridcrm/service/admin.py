"""Admin pages where administrators configure request types, their steps and service areas.

Requests, events and breaches are not edited here: they change only through the services,
which keep the timeline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gridcrm.service.models import HolidayDay, RegionArea, RequestType, WorkflowStep
from gridcrm.users.roles import Role


class StepInlineForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = WorkflowStep
        fields = [
            "position",
            "code",
            "name_zh",
            "name_en",
            "owner_role",
            "also_roles",
            "limit_unit",
            "limit_value",
            "limit_rural",
            "limit_remote",
        ]

    def clean_also_roles(self) -> list[str]:
        value = self.cleaned_data.get("also_roles") or []
        if not isinstance(value, list) or set(value) - set(Role.values):
            raise ValidationError(_('A list of role codes, e.g. ["service_agent"].'))
        return value


class StepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WorkflowStep
    form = StepInlineForm
    extra = 1
    ordering = ["position"]


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_zh", "name_en", "category", "limit_value", "limit_unit", "active")
    list_filter = ("category", "active")
    inlines = [StepInline]

    def _may(self, request: HttpRequest) -> bool:
        return request.user.has_perm("service.manage_workflows")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # requests refer to their type; deactivate it instead


@admin.register(HolidayDay)
class HolidayDayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read only: the calendar is written on its page, through services that record who
    changed it (``service.calendar_services``)."""

    list_display = ("day", "kind", "name")
    list_filter = ("kind",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegionArea)
class RegionAreaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("region", "area")
