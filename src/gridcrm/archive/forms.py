"""Forms built from the field registry; no form lists customer fields by hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import ContactChannel, Segment
from gridcrm.archive.errors import InvalidFields
from gridcrm.archive.registry import FieldSpec, Tier


class CustomerFieldsForm(forms.Form):
    """Edit some registry fields of one customer, with the version the edit started from.

    When a tier-3 field changes, where and when it was learnt are required (R12: tier-3
    data is gathered in contact with the customer).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)
    contact_channel = forms.ChoiceField(
        label=_("Learnt through"),
        required=False,
        choices=[("", "—"), *ContactChannel.choices],
    )
    captured_on = forms.DateField(
        label=_("Learnt on"), required=False, widget=forms.DateInput({"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        specs: Sequence[FieldSpec],
        area_suggestions: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """``area_suggestions``: the transformer areas (台区) of the customer's station,
        offered as a list under the free-text field so that the same area is not typed
        in three spellings."""
        super().__init__(*args, **kwargs)
        self.specs = list(specs)
        for field_spec in self.specs:
            self.fields[field_spec.name] = field_spec.form_field()
            self.fields[field_spec.name].tier = int(field_spec.tier)  # type: ignore[attr-defined]
        if area_suggestions and "transformer_area" in self.fields:
            self.fields["transformer_area"].widget = SuggestingInput(options=area_suggestions)

    def changed_values(self) -> dict[str, Any]:
        """The registry fields whose submitted value differs from the initial one."""
        return {
            s.name: self.cleaned_data.get(s.name) for s in self.specs if s.name in self.changed_data
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tier3_changed = any(
            s.tier == Tier.THREE and s.name in self.changed_data for s in self.specs
        )
        if tier3_changed and not (data.get("contact_channel") and data.get("captured_on")):
            raise forms.ValidationError(
                _("Say through which contact and on which day the tier-3 information was learnt.")
            )
        return data


class SuggestingInput(forms.TextInput):
    """A text input with a ``<datalist>`` of suggestions: pick one or type another."""

    def __init__(self, *, options: Sequence[str]) -> None:
        super().__init__()
        self.options = list(options)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        list_id = f"{(attrs or {}).get('id') or name}-options"
        html = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}">', ((o,) for o in self.options))
        return html + format_html('<datalist id="{}">{}</datalist>', list_id, options)


class ChangeRequestForm(forms.Form):
    """Ask for a change of a locked tier-1 field."""

    # Choosing a field reloads the page with ?field= (static/gridcrm/forms.js), so that an
    # enumerated field's new value is picked from its labels instead of typed as a code.
    field = forms.ChoiceField(label=_("Field"), widget=forms.Select({"data-reload": "field"}))
    new_value = forms.CharField(label=_("New value"), max_length=255)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea({"rows": 3}))
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False)

    def __init__(self, *args: Any, specs: Sequence[FieldSpec], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(s.name, s.label) for s in specs]  # type: ignore[attr-defined]
        chosen = self.data.get("field") if self.is_bound else self.initial.get("field")
        spec = next((s for s in specs if s.name == chosen), None)
        choices = enumerated_choices(spec) if spec is not None else []
        if choices:
            self.fields["new_value"] = forms.ChoiceField(
                label=_("New value"), choices=[("", "—"), *choices]
            )


def enumerated_choices(spec: FieldSpec) -> list[tuple[Any, Any]]:
    """The (code, label) choices of a field that takes one of a list, else ``[]``. Foreign
    keys (the supply station) are left to the text field: they are named by code."""
    field = spec.form_field()
    if isinstance(field, forms.ModelChoiceField) or not isinstance(field, forms.ChoiceField):
        return []
    return [(value, label) for value, label in field.choices if value != ""]  # type: ignore[union-attr, misc]


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class SegmentOverrideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    segment = forms.ChoiceField(
        label=_("Segment"),
        required=False,
        choices=[("", _("As derived from tariff and industry")), *Segment.choices],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


def _count(text: str | None, post: QueryDict, default: int | None = None) -> int | None:
    """A count of rows or slots the page posted, or ``None`` if it cannot be one: not ASCII
    digits ("²".isdigit() is true, but int("²") raises), or more than the fields posted.
    The page posts fields for every row and slot it counts, so a larger count was not
    written by it, and would drive the loops below for as long as it says."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or int(text) > len(post):
        return None
    return int(text)


def rule_rows_from_post(post: QueryDict) -> list[dict[str, Any]]:
    """The rules typed on the rules page (rows ``r<i>-…``, their conditions ``r<i>-c<j>-…``)
    as plain rows for ``rule_sets.RuleRow``; rows marked for deletion or left without a
    code are not rules. Blank condition slots are dropped.

    The page posts how many rows it drew (``rule_count``) and every row's code field, even
    blank: when they did not all arrive (a truncated post, a stale page), ``InvalidFields``
    (``archive.rule_rows_lost``) refuses, so that a lost post never publishes an empty or
    partial rule set.
    """
    lost = InvalidFields(
        {"rule_count": _("The rules did not arrive whole; reload the page and try again.")},
        code="archive.rule_rows_lost",
    )
    count = _count(post.get("rule_count"), post)
    if count is None:
        raise lost
    rows = []
    for i in range(count):
        prefix = f"r{i}-"
        if prefix + "code" not in post:
            raise lost
        if post.get(prefix + "delete") or not post.get(prefix + "code", "").strip():
            continue
        slots = _count(post.get(prefix + "condition_count"), post, default=3)
        if slots is None:
            raise lost
        conditions = [
            {
                "field": post[f"{prefix}c{j}-field"],
                "op": post.get(f"{prefix}c{j}-op", "eq"),
                "value": post.get(f"{prefix}c{j}-value", "").strip(),
            }
            for j in range(slots)
            if post.get(f"{prefix}c{j}-field")
        ]
        rows.append(
            {
                "code": post.get(prefix + "code", "").strip(),
                "name": post.get(prefix + "name", "").strip(),
                "target": post.get(prefix + "target", ""),
                "value": post.get(prefix + "value", "").strip(),
                "raise_only": bool(post.get(prefix + "raise_only")),
                "priority": post.get(prefix + "priority") or 100,
                "conditions": conditions,
            }
        )
    return rows
