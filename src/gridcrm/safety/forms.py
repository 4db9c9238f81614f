"""Forms of the safety pages, sized for a phone: an inspection (checklist, result, notes
and up to three hazards), a rectification reported, a re-inspection."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridcrm.safety import rules as r
from gridcrm.safety.models import Inspection, Severity

# An <input type="date"> reads and writes ISO dates whatever the language of the page.
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InspectionForm(forms.Form):
    """The inspection itself; the checklist has one radio group per item."""

    inspected_on = forms.DateField(label=_("Inspected on"), widget=_DATE)
    result = forms.ChoiceField(
        label=_("Result"), choices=Inspection.Result.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspected_on"].initial = timezone.localdate()
        for code, label in r.CHECKLIST:
            self.fields[f"check_{code}"] = forms.ChoiceField(
                label=label,
                choices=list(r.CHECK_VALUES.items()),
                initial="ok",
                widget=forms.RadioSelect,
            )

    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[f"check_{code}"] for code, _label in r.CHECKLIST]

    def checklist(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"check_{code}"] for code, _label in r.CHECKLIST}


class HazardForm(forms.Form):
    """One hazard found; a row left blank is no hazard. The deadline defaults by severity."""

    description = forms.CharField(label=_("Hazard"), max_length=300, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", "—"), *Severity.choices], required=False
    )
    deadline = forms.DateField(
        label=_("Rectify by (blank: by severity)"), required=False, widget=_DATE
    )


HazardFormSet = forms.formset_factory(HazardForm, extra=3, max_num=3)


class ReportForm(forms.Form):
    reported_on = forms.DateField(label=_("Reported on"), widget=_DATE)
    note = forms.CharField(label=_("What was done"), max_length=300, required=False)


class ReinspectForm(forms.Form):
    inspected_on = forms.DateField(label=_("Inspected on"), widget=_DATE)
    rectified = forms.TypedChoiceField(
        label=_("Found"),
        choices=[("1", _("Rectified: close the hazard")), ("0", _("Not rectified"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)
