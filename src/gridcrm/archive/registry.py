"""The field registry: every customer attribute, declared once.

Each :class:`FieldSpec` says which category (basic / equipment / behaviour / value)
and tier (1 / 2 / 3) an attribute belongs to, how sensitive it is, where its value
comes from, which roles may edit it and to which segments it applies. Storage,
type, choices and validation come from the model column (or, for an extension
field, from its :class:`~gridcrm.archive.models.CustomField` row). Forms, API
schemas, completeness, import mapping, masking, export and the customer page all
read this module; nothing else lists customer fields.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from gridcrm.archive.masking import mask_certificate, mask_phone
from gridcrm.archive.models import Customer, CustomField
from gridcrm.users.roles import Role
from gridcrm.users.selectors import region_name, station_id_find


class Category(models.TextChoices):
    BASIC = "basic", _("Basic information")
    EQUIPMENT = "equipment", _("Equipment information")
    BEHAVIOUR = "behaviour", _("Behaviour information")
    VALUE = "value", _("Value information")


class Tier(IntEnum):
    """R12: tier 1 is locked and blocks business when missing; 2 supports segmentation;
    3 is gathered bit by bit in contact with the customer."""

    ONE = 1
    TWO = 2
    THREE = 3


TIER_WEIGHTS = {Tier.ONE: 3, Tier.TWO: 2, Tier.THREE: 1}


class Sensitivity(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    PERSONAL = "personal", _("Personal")
    SENSITIVE = "sensitive", _("Sensitive personal")


class Source(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")
    DERIVED = "derived", _("Derived")


_NON_RESIDENTIAL = frozenset({"public_utility", "industrial", "commercial", "other"})
_STAFF_EDITORS = frozenset(
    {Role.REGIONAL_COLLECTOR, Role.KEY_ACCOUNT_MANAGER, Role.SERVICE_AGENT, Role.ARCHIVE_OFFICER}
)
_NOBODY: frozenset[Role] = frozenset()
# Contact data the customer keeps up to date themselves on the portal (tier 3).
_STAFF_AND_CUSTOMER = _STAFF_EDITORS | {Role.CUSTOMER}


@dataclass(frozen=True)
class FieldSpec:
    """One customer attribute and everything GridCRM needs to know about it."""

    name: str
    category: Category
    tier: Tier
    sensitivity: Sensitivity = Sensitivity.INTERNAL
    source: Source = Source.ENTERED
    edit_roles: frozenset[Role] = _STAFF_EDITORS
    applies_to: frozenset[str] | None = None
    custom: CustomField | None = field(default=None, compare=False)

    # -- what the field is
    @property
    def model_field(self) -> models.Field[Any, Any] | None:
        """The Customer column, or ``None`` for an extension field."""
        if self.custom is not None:
            return None
        return Customer._meta.get_field(self.name)  # type: ignore[return-value]

    @property
    def column(self) -> models.Field[Any, Any]:
        """The Customer column of a built-in field."""
        if self.custom is not None:
            raise TypeError(f"{self.name} is an extension field stored in Customer.extra")
        return Customer._meta.get_field(self.name)  # type: ignore[return-value]

    @property
    def label(self) -> StrOrPromise:
        if self.custom is not None:
            return self.custom.label_zh if get_language().startswith("zh") else self.custom.label_en
        return self.column.verbose_name

    @property
    def choices(self) -> list[tuple[str, str]]:
        if self.custom is not None:
            return [(str(c), str(c)) for c in self.custom.choices]
        model_field = self.column
        return [(str(k), str(v)) for k, v in (model_field.choices or [])]

    @property
    def is_derived(self) -> bool:
        return self.source == Source.DERIVED

    @property
    def fillable(self) -> bool:
        """Whether people fill this field in (it is neither derived nor fed by an import only)."""
        return not self.is_derived and bool(self.edit_roles)

    @property
    def is_personal(self) -> bool:
        return self.sensitivity in {Sensitivity.PERSONAL, Sensitivity.SENSITIVE}

    def applies(self, customer: Customer) -> bool:
        """Whether this field is expected of this customer (e.g. shifts only of enterprises)."""
        return self.applies_to is None or customer.segment in self.applies_to

    # -- values
    def get(self, customer: Customer) -> Any:
        if self.custom is not None:
            return (customer.extra or {}).get(self.name)
        if self.name == "region":
            return customer.region_id
        return getattr(customer, self.name)

    def set(self, customer: Customer, value: Any) -> None:
        if self.custom is not None:
            customer.extra = {**(customer.extra or {}), self.name: value}
        elif self.name == "region":
            customer.region_id = value
        else:
            setattr(customer, self.name, value)

    @staticmethod
    def is_blank(value: Any) -> bool:
        return value is None or value == "" or value == []

    def clean(self, raw: Any) -> Any:
        """The stored value of a raw input (text from a form or file, or a JSON value).

        Raises ``ValidationError`` with a message fit to show next to the field.
        """
        if isinstance(raw, str):
            raw = raw.strip()
            if "\x00" in raw:  # PostgreSQL text cannot hold NUL; refuse it here, clearly
                raise ValidationError(_("Null characters are not allowed."))
        if self.is_blank(raw):
            return None if self._nullable else ""
        if self.custom is not None:
            return _clean_custom(self.custom, raw)
        model_field = self.column
        if isinstance(model_field, models.ForeignKey):
            return _clean_region(raw)
        if isinstance(model_field, models.BooleanField):
            return _clean_bool(raw)
        if model_field.choices and isinstance(raw, str):
            raw = choice_codes(self.name).get(raw.casefold(), raw)
        value = model_field.to_python(raw)
        if isinstance(value, Decimal):
            value = _quantise(model_field, value)
        model_field.run_validators(value)
        if model_field.choices and value not in {k for k, _v in model_field.choices}:
            raise ValidationError(
                _("%(value)s is not one of the allowed values."), params={"value": raw}
            )
        if isinstance(model_field, models.CharField) and model_field.max_length:
            if len(str(value)) > model_field.max_length:
                raise ValidationError(
                    _("At most %(n)s characters."), params={"n": model_field.max_length}
                )
        return value

    @property
    def _nullable(self) -> bool:
        if self.custom is not None:
            return self.custom.kind != CustomField.Kind.TEXT
        model_field = self.model_field
        return bool(model_field is not None and model_field.null)

    def to_text(self, value: Any) -> str:
        """The canonical text of a stored value, as history and files hold it."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return str(value)

    def display(self, value: Any) -> str:
        """A stored value as people read it: choice labels, yes/no, station names."""
        if self.is_blank(value):
            return ""
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        labels = dict(self.choices)
        if labels:
            return str(labels.get(str(value), value))
        if self.name == "region":
            return region_name(region_id=value) or str(value)
        return self.to_text(value)

    def masked(self, value: Any) -> str:
        """The display value with personal identifiers masked."""
        text = self.display(value)
        if self.name in {"phone", "phone_alt"}:
            return mask_phone(text)
        if self.sensitivity == Sensitivity.SENSITIVE:
            return mask_certificate(text)
        return text

    # -- forms
    def form_field(self) -> forms.Field:
        """A form field with this attribute's label, choices and validation."""
        required = False
        if self.custom is not None:
            return _custom_form_field(self.custom, self.label)
        model_field = self.column
        if isinstance(model_field, models.BooleanField):
            return forms.NullBooleanField(label=self.label, required=False)
        if isinstance(model_field, models.ForeignKey):
            return forms.ModelChoiceField(
                queryset=model_field.related_model._default_manager.filter(level="station"),  # type: ignore[union-attr]
                label=self.label,
                required=required,
            )
        form_field = model_field.formfield(required=required)
        if form_field is None:
            raise TypeError(f"{self.name} has no form field")
        return form_field


def _quantise(model_field: models.Field[Any, Any], value: Decimal) -> Decimal:
    places = getattr(model_field, "decimal_places", None)
    if places is None:
        return value
    try:
        return value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation as exc:
        raise ValidationError(_("This number is too large.")) from exc


def _clean_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "y", "是", "有"}:
        return True
    if text in {"0", "false", "no", "n", "否", "无"}:
        return False
    raise ValidationError(_("Enter yes or no."), params={"value": raw})


def _clean_region(raw: Any) -> int:
    found = station_id_find(text=str(raw))
    if found is None:
        raise ValidationError(_("%(value)s is not a supply station."), params={"value": raw})
    return found


def _clean_custom(custom: CustomField, raw: Any) -> Any:
    kind = custom.kind
    try:
        if kind == CustomField.Kind.INTEGER:
            return int(str(raw))
        if kind == CustomField.Kind.DECIMAL:
            return str(Decimal(str(raw)))
        if kind == CustomField.Kind.DATE:
            return dt.date.fromisoformat(str(raw)).isoformat()
    except (ValueError, InvalidOperation) as exc:
        raise ValidationError(
            _("%(value)s is not a valid %(kind)s."),
            params={"value": raw, "kind": custom.get_kind_display()},
        ) from exc
    if kind == CustomField.Kind.BOOLEAN:
        return _clean_bool(raw)
    text = str(raw)
    if kind == CustomField.Kind.CHOICE and text not in [str(c) for c in custom.choices]:
        raise ValidationError(
            _("%(value)s is not one of the allowed values."), params={"value": raw}
        )
    if len(text) > custom.max_length:
        raise ValidationError(_("At most %(n)s characters."), params={"n": custom.max_length})
    return text


@functools.cache
def choice_codes(name: str) -> dict[str, str]:
    """The codes of a choice field by their labels in each language of the UI (case
    aside), so that a file may name a choice as an export writes it: by its label."""
    model_field = spec(name).column
    codes: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in model_field.choices or []:
                codes.setdefault(str(label).casefold(), str(code))
    return codes


def _custom_form_field(custom: CustomField, label: StrOrPromise) -> forms.Field:
    kind = custom.kind
    if kind == CustomField.Kind.INTEGER:
        return forms.IntegerField(label=label, required=False)
    if kind == CustomField.Kind.DECIMAL:
        return forms.DecimalField(label=label, required=False)
    if kind == CustomField.Kind.BOOLEAN:
        return forms.NullBooleanField(label=label, required=False)
    if kind == CustomField.Kind.DATE:
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput({"type": "date"})
        )
    if kind == CustomField.Kind.CHOICE:
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", "—"), *[(str(c), str(c)) for c in custom.choices]],
        )
    return forms.CharField(label=label, required=False, max_length=custom.max_length)


B, E, H, V = Category.BASIC, Category.EQUIPMENT, Category.BEHAVIOUR, Category.VALUE
T1, T2, T3 = Tier.ONE, Tier.TWO, Tier.THREE
PERSONAL, SENSITIVE, PUBLIC = Sensitivity.PERSONAL, Sensitivity.SENSITIVE, Sensitivity.PUBLIC
IMPORTED, DERIVED = Source.IMPORTED, Source.DERIVED

BUILT_IN: tuple[FieldSpec, ...] = (
    # basic information 客户基础信息
    FieldSpec("account_no", B, T1, PUBLIC),
    FieldSpec("name", B, T1, PERSONAL),
    FieldSpec("certificate_type", B, T1),
    FieldSpec("certificate_no", B, T1, SENSITIVE),
    FieldSpec("phone", B, T1, PERSONAL),
    FieldSpec("address", B, T1, PERSONAL),
    FieldSpec("region", B, T1),
    FieldSpec("industry_code", B, T1, applies_to=_NON_RESIDENTIAL),
    FieldSpec("tariff_category", B, T1),
    FieldSpec("tariff_structure", B, T1),
    FieldSpec("voltage_level", B, T1),
    FieldSpec("contracted_kva", B, T1),
    FieldSpec("segment", B, T1, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec("contact_person", B, T2, PERSONAL, applies_to=_NON_RESIDENTIAL),
    FieldSpec("transformer_area", B, T2),
    FieldSpec("importance_class", B, T2, applies_to=_NON_RESIDENTIAL),
    FieldSpec("production_shifts", B, T2, applies_to=frozenset({"industrial"})),
    FieldSpec("phone_alt", B, T3, PERSONAL, edit_roles=_STAFF_AND_CUSTOMER),
    FieldSpec("employees", B, T3, applies_to=_NON_RESIDENTIAL),
    # equipment information 客户设备信息: a summary the grid registry derives (grid.services)
    FieldSpec("meter_kind", E, T2, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec("meter_count", E, T2, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec(
        "transformer_count", E, T2, source=DERIVED, edit_roles=_NOBODY, applies_to=_NON_RESIDENTIAL
    ),
    FieldSpec(
        "transformer_kva", E, T2, source=DERIVED, edit_roles=_NOBODY, applies_to=_NON_RESIDENTIAL
    ),
    FieldSpec(
        "backup_power_kw",
        E,
        T3,
        source=DERIVED,
        edit_roles=_NOBODY,
        applies_to=frozenset({"public_utility", "industrial"}),
    ),
    # behaviour information 客户行为信息
    FieldSpec("payment_method", H, T2),
    FieldSpec("avg_days_to_pay", H, T2, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec("credit_blacklisted", H, T2, source=IMPORTED, edit_roles=_NOBODY),
    FieldSpec("credit_attention", H, T2, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec("preferred_channel", H, T3, edit_roles=_STAFF_AND_CUSTOMER),
    FieldSpec("e_bill", H, T3, edit_roles=_STAFF_AND_CUSTOMER),
    FieldSpec("complaints_12m", H, T3, source=DERIVED, edit_roles=_NOBODY),
    # value information 客户价值信息
    FieldSpec("billing_method", V, T1),
    FieldSpec("tou_applied", V, T1),
    FieldSpec("annual_kwh", V, T2, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec(
        "max_demand_kw", V, T2, source=DERIVED, edit_roles=_NOBODY, applies_to=_NON_RESIDENTIAL
    ),
    FieldSpec("deposit_yuan", V, T2, applies_to=_NON_RESIDENTIAL),
    FieldSpec("price_sensitivity", V, T2, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec("outage_sensitivity", V, T2, source=DERIVED, edit_roles=_NOBODY),
    FieldSpec("service_sensitivity", V, T2, source=DERIVED, edit_roles=_NOBODY),
)

_BY_NAME = {spec.name: spec for spec in BUILT_IN}


def custom_specs() -> list[FieldSpec]:
    """Specs of the active extension fields (read from the database each call)."""
    return [
        FieldSpec(
            name=cf.code,
            category=Category(cf.category),
            tier=Tier(cf.tier),
            sensitivity=Sensitivity(cf.sensitivity),
            source=Source.ENTERED,
            edit_roles=frozenset(Role(r) for r in cf.edit_roles) or _STAFF_EDITORS,
            custom=cf,
        )
        for cf in CustomField.objects.filter(active=True)
    ]


def all_specs(*, with_custom: bool = True) -> list[FieldSpec]:
    """Every customer attribute: the built-in ones, then the extension fields."""
    return [*BUILT_IN, *(custom_specs() if with_custom else [])]


def spec(name: str) -> FieldSpec:
    """The spec of a built-in or extension field; ``KeyError`` if there is none."""
    found = _BY_NAME.get(name)
    if found is not None:
        return found
    for custom in custom_specs():
        if custom.name == name:
            return custom
    raise KeyError(name)


def specs_where(
    specs: Iterable[FieldSpec] | None = None,
    *,
    category: Category | None = None,
    tier: Tier | None = None,
) -> Iterator[FieldSpec]:
    """The specs of one category and/or tier, in declaration order."""
    for s in all_specs() if specs is None else specs:
        if (category is None or s.category == category) and (tier is None or s.tier == tier):
            yield s


def column_aliases(specs: Iterable[FieldSpec]) -> dict[str, FieldSpec]:
    """Header texts a file may use for each field: the code, and the Chinese and English labels."""
    from django.utils import translation

    aliases: dict[str, FieldSpec] = {}
    for s in specs:
        aliases[s.name.lower()] = s
        for language in ("zh-hans", "en"):
            with translation.override(language):
                aliases[str(s.label).strip().lower()] = s
        if s.custom is not None:
            aliases[s.custom.label_zh.lower()] = s
            aliases[s.custom.label_en.lower()] = s
    return aliases
