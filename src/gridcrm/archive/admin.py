"""Admin pages. Customers, their history and change requests are read-only here:
tier-1 data changes only through an approved change request, so the admin must not
offer a way around it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gridcrm.archive.models import (
    ArchiveEvent,
    ChangeRequest,
    Customer,
    CustomField,
    DisclosureEvent,
    FieldChange,
)
from gridcrm.archive.registry import Category, Sensitivity, Tier
from gridcrm.archive.services import custom_field_save
from gridcrm.users.roles import Role


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("account_no", "name", "segment", "tariff_category", "region", "completeness")
    list_filter = ("segment", "tariff_category", "region")
    search_fields = ("account_no", "name")
    exclude = ("phone", "phone_alt", "certificate_no")


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ("customer", "field", "status", "requested_by", "decided_by", "requested_at")
    list_filter = ("status",)


@admin.register(FieldChange)
class FieldChangeAdmin(ReadOnlyAdmin):
    list_display = ("customer", "field", "kind", "acting_user", "at")
    list_filter = ("kind",)


@admin.register(DisclosureEvent)
class DisclosureEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "acting_user", "customer", "kind", "fields")
    list_filter = ("kind",)


@admin.register(ArchiveEvent)
class ArchiveEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "acting_user", "kind", "customer")
    list_filter = ("kind",)


class CustomFieldForm(forms.ModelForm):  # type: ignore[type-arg]
    """An extension field with the same metadata as the built-in ones."""

    category = forms.ChoiceField(choices=Category.choices)
    tier = forms.TypedChoiceField(choices=[(t.value, t.value) for t in Tier], coerce=int)
    sensitivity = forms.ChoiceField(choices=Sensitivity.choices)
    edit_roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    choices = forms.JSONField(required=False, initial=list)

    class Meta:
        model = CustomField
        fields = (
            "code",
            "label_zh",
            "label_en",
            "category",
            "tier",
            "sensitivity",
            "kind",
            "choices",
            "max_length",
            "edit_roles",
            "active",
        )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if code in {f.name for f in Customer._meta.get_fields()}:
            raise forms.ValidationError(_("This code is a built-in field."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == CustomField.Kind.CHOICE and not data.get("choices"):
            self.add_error("choices", _("A choice field needs a list of choices."))
        if data.get("tier") == Tier.ONE:
            self.add_error("tier", _("Extension fields can be tier 2 or 3; tier 1 is locked data."))
        return data


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CustomFieldForm
    list_display = ("code", "label_zh", "category", "tier", "kind", "active")

    def save_model(self, request: HttpRequest, obj: CustomField, form: Any, change: bool) -> None:
        # Through the service, which records the declaration in the archive's events.
        custom_field_save(custom_field=obj, acting_user=request.user)  # type: ignore[arg-type]
