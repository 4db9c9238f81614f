"""Forms of the load pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from gridcrm.load.models import ProductionProfile
from gridcrm.load.services import PROFILE_FIELDS
from gridcrm.users.selectors import regions_below_company


class ProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProductionProfile
        fields = list(PROFILE_FIELDS)


class CompositionForm(forms.Form):
    """The composition page's query; a value that does not parse counts as not given."""

    region = forms.CharField(required=False)
    by = forms.CharField(required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    @classmethod
    def read(cls, query: QueryDict) -> dict[str, Any]:
        """Every field's cleaned value, or ``None``/``""`` where it is missing or wrong."""
        form = cls(query)
        form.is_valid()
        cleaned = getattr(form, "cleaned_data", {})
        return {
            "region": cleaned.get("region") or "",
            "by": cleaned.get("by") or "segment",
            "start": cleaned.get("start"),
            "end": cleaned.get("end"),
        }


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.ModelChoiceField(label=_("Region"), queryset=regions_below_company())
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    day_count = forms.IntegerField(label=_("Days"), min_value=1, max_value=14, initial=1)
    target_kw = forms.FloatField(label=_("Target reduction (kW)"), min_value=0, required=False)
    window_start = forms.TimeField(
        label=_("From"),
        initial=dt.time(17, 0),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
    )
    window_end = forms.TimeField(
        label=_("Until"),
        initial=dt.time(21, 0),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
    )
    gap_slots = forms.CharField(
        label=_("Or the expected gap per 15-minute slot (96 values, kW)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    peak_demand_kw = forms.FloatField(
        label=_("Expected peak demand (kW)"),
        min_value=0,
        required=False,
        help_text=_("Blank: estimated from the region's typical curves."),
    )
    fairness_cap = forms.FloatField(
        label=_("Largest share of a customer's load"), min_value=0.05, max_value=1, initial=0.6
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = (data.get("gap_slots") or "").replace("\n", ",").replace(" ", ",")
        values = [v for v in raw.split(",") if v.strip()]
        if values:
            try:
                data["gap"] = [float(v) for v in values]
            except ValueError:
                self.add_error("gap_slots", _("Write numbers separated by commas."))
            return data
        if not data.get("target_kw") or not data.get("window_start") or not data.get("window_end"):
            raise forms.ValidationError(
                _("Give a target reduction with its window, or the gap per slot.")
            )
        return data
