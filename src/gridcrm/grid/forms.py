"""Forms of the grid pages: a registry import and an unplanned outage."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    file = forms.FileField(label=_("GIS/PMS export (CSV or XLSX)"))
    dry_run = forms.BooleanField(label=_("Dry run: check only, write nothing"), required=False)


class OutageForm(forms.Form):
    element = forms.ChoiceField(
        label=_("Equipment"),
        choices=[
            ("feeder", _("10 kV line")),
            ("transformer", _("Transformer")),
            ("substation", _("Substation")),
        ],
    )
    code = forms.CharField(label=_("Code"), max_length=30)
    started_at = forms.DateTimeField(
        label=_("Started"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    description = forms.CharField(label=_("What happened"), max_length=300)
