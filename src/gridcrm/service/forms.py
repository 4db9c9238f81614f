"""Forms of the service pages; they only parse input, the services decide."""

from __future__ import annotations

import json
from typing import Any, cast

import pydantic
from django import forms
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import ImportanceClass, Segment
from gridcrm.service.matrix_rows import MatrixRuleRow
from gridcrm.service.models import (
    Channel,
    CreditGrade,
    MatrixRule,
    Notice,
    NoticeTarget,
    Package,
    RequestType,
)


class RequestTypeChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RequestForm(forms.Form):
    """A new request. The account number is checked against the user's scope by the view
    (an unknown one is an error on this field, everything typed kept); the customer's
    name is looked up as it is typed, to confirm the account."""

    # Drawn by the template itself, with the htmx lookup of the customer's name.
    account_no = forms.CharField(label=_("account number"), max_length=10)
    request_type = RequestTypeChoiceField(
        label=_("request type"), queryset=RequestType.objects.filter(active=True)
    )
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    summary = forms.CharField(label=_("summary"), max_length=500)
    address = forms.CharField(
        label=_("fault or site address"),
        max_length=200,
        required=False,
        help_text=_("Leave empty when it is the customer's address."),
    )
    callback_phone = forms.CharField(
        label=_("callback number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class StepForm(forms.Form):
    code = forms.SlugField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("note"), max_length=500)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("file"))


STATION = "station"  # users.models.RegionLevel.STATION (another app's models stay unimported)


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[c for c in Notice.Kind.choices if c[0] != Notice.Kind.HAZARD]
    )
    topic = forms.ChoiceField(
        label=_("topic"),
        choices=[c for c in Notice.Topic.choices if c[0] != Notice.Topic.OUTAGE],
        required=False,
    )
    title = forms.CharField(
        label=_("title"), max_length=200, widget=forms.TextInput(attrs={"autofocus": True})
    )
    body = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 5}))
    effective_on = forms.DateField(
        label=_("effective on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    outage_start = forms.DateTimeField(
        label=_("outage starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    outage_end = forms.DateTimeField(
        label=_("outage ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    emergency = forms.BooleanField(
        label=_("emergency"),
        required=False,
        help_text=_("SMS and WeChat go out in the customers' quiet hours too (22:00–08:00)."),
    )
    # The audience is picked from lists (districts, stations, transformer areas under the
    # author's scope); ``clean`` turns the picks into ``targets``: (scope, value, station).
    regions = forms.MultipleChoiceField(
        label=_("districts"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    stations = forms.MultipleChoiceField(
        label=_("supply stations"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    areas = forms.MultipleChoiceField(
        label=_("transformer areas"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Hold Ctrl (⌘ on a Mac) to pick several. A policy notice without an "
            "audience is for every customer."
        ),
    )

    def __init__(self, *args: Any, scope_limit: str | None = None, **kwargs: Any) -> None:
        """``scope_limit``: the region path the author writes notices under (``None``:
        the whole company), as ``service.selectors.notice_scope_limit`` gives it."""
        super().__init__(*args, **kwargs)
        from gridcrm.archive.selectors import transformer_areas_under
        from gridcrm.users.selectors import regions_all

        regions = [
            r
            for r in regions_all()
            if scope_limit is None or r.path == scope_limit or r.path.startswith(f"{scope_limit}.")
        ]
        above = [(r.code, r.name) for r in regions if r.level != STATION]
        stations = [(r.code, r.name) for r in regions if r.level == STATION]
        self.fields["regions"].choices = above  # type: ignore[attr-defined]
        self.fields["stations"].choices = stations  # type: ignore[attr-defined]
        by_station: dict[str, list[tuple[str, str]]] = {}
        for code, name, area in transformer_areas_under(path=scope_limit):
            by_station.setdefault(name, []).append((f"{code}|{area}", area))
        self.fields["areas"].choices = list(by_station.items())  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        targets = [(NoticeTarget.Scope.REGION, code, "") for code in data.get("regions", [])]
        targets += [(NoticeTarget.Scope.STATION, code, "") for code in data.get("stations", [])]
        for value in data.get("areas", []):
            station, _sep, area = value.partition("|")
            targets.append((NoticeTarget.Scope.TRANSFORMER_AREA, area, station))
        data["targets"] = targets
        return data


class GraceForm(forms.Form):
    bill_id = forms.CharField(label=_("bill"), max_length=40)
    due_on = forms.DateField(
        label=_("due on (from billing)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.IntegerField(label=_("days of grace"), min_value=1, max_value=60)
    reason = forms.CharField(label=_("reason"), max_length=500)


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=500, required=False)


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def matrix_type_choices() -> list[tuple[str, str]]:
    """The request types a matrix rule may be limited to, by name."""
    return [(t.code, t.name) for t in RequestType.objects.all()]


class MatrixRuleForm(forms.Form):
    """One row of the matrix editor; JSON-ish fields are typed as comma-separated text."""

    segment = forms.ChoiceField(label=_("segment"), choices=_blank(Segment.choices), required=False)
    credit_grade = forms.ChoiceField(
        label=_("credit grade"), choices=_blank(CreditGrade.choices), required=False
    )
    importance = forms.ChoiceField(
        label=_("important customer class"),
        choices=_blank(
            [(MatrixRule.IMPORTANT, _("Any important class")), *ImportanceClass.choices]
        ),
        required=False,
    )
    request_types = forms.MultipleChoiceField(
        label=_("only for request types"), required=False, widget=forms.SelectMultiple
    )
    channel = forms.ChoiceField(
        label=_("only for channel"), choices=_blank(Channel.choices), required=False
    )
    priority = forms.IntegerField(label=_("priority"), required=False)
    limit_factor = forms.DecimalField(label=_("time limit factor"), required=False)
    package = forms.ChoiceField(label=_("package"), choices=_blank(Package.choices), required=False)
    reminder_days = forms.CharField(label=_("payment reminders (days before due)"), required=False)
    extra_steps = forms.CharField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("why"), max_length=200, required=False)

    def __init__(
        self, *args: Any, type_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Picked from the request types by name, not typed as codes; the formset reads
        # the types once (``matrix_type_choices``) and hands them to every row.
        field = cast("forms.MultipleChoiceField", self.fields["request_types"])
        field.choices = type_choices if type_choices is not None else matrix_type_choices()
        field.widget.attrs["size"] = 3

    def clean(self) -> dict[str, Any]:
        """Check a filled row against ``MatrixRuleRow`` (the shape the API and
        ``matrix_publish`` use too); ``cleaned_data["row"]`` is the rule, or ``None`` for
        a blank or deleted row."""
        data = super().clean() or {}
        values = {k: v for k, v in data.items() if k != "DELETE"}
        data["row"] = None
        if data.get("DELETE") or not any(v not in (None, "", []) for v in values.values()):
            return data
        try:
            values["extra_steps"] = json.loads(values.get("extra_steps") or "[]")
        except json.JSONDecodeError:
            self.add_error(None, _("The extra steps of this rule cannot be read."))
            return data
        try:
            data["row"] = MatrixRuleRow.model_validate(values)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                shown = name if name in self.fields and name != "extra_steps" else None
                self.add_error(shown, error["msg"] if shown else f"{name}: {error['msg']}")
        return data


MatrixFormSet = forms.formset_factory(MatrixRuleForm, extra=2, can_delete=True)


CHANNELS_FORM = "service.channels"
"""The name the 360° page's channel form keeps its refused input under (``input_keep``)."""


class ChannelPreferenceForm(forms.Form):
    """A customer's channels as staff set them on the 360° page."""

    channels = forms.MultipleChoiceField(
        label=_("channels"),
        required=False,
        choices=[("sms", _("SMS")), ("wechat", _("WeChat")), ("email", _("e-mail"))],
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.CharField(label=_("e-mail address"), required=False, max_length=254)
    wechat_openid = forms.CharField(label=_("WeChat openid"), required=False, max_length=64)
    quiet_start = forms.TimeField(
        label=_("quiet hours start"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("quiet hours end"), widget=forms.TimeInput(attrs={"type": "time"})
    )
