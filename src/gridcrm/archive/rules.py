"""Mapping rules (R11): basic and behaviour information map onto value information,
and value information onto the credit attributes of behaviour.

A rule is data (:class:`~gridcrm.archive.models.MappingRule`); this module only
evaluates it. Targets are the derived fields of the value and behaviour categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from gridcrm.archive.models import Customer, MappingRule, RuleSetVersion
from gridcrm.archive.registry import BUILT_IN, Category, FieldSpec, Source, spec

OPS = {
    "eq": _("equals"),
    "ne": _("differs from"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "gte": _("is at least"),
    "lte": _("is at most"),
    "startswith": _("starts with"),
    "blank": _("is blank"),
    "not_blank": _("is filled"),
}


def rule_targets() -> list[FieldSpec]:
    """Fields a rule may set: derived value fields and derived behaviour fields."""
    return [
        s
        for s in BUILT_IN
        if s.source == Source.DERIVED
        and s.category in {Category.VALUE, Category.BEHAVIOUR}
        and s.name not in {"annual_kwh", "max_demand_kw", "avg_days_to_pay", "complaints_12m"}
    ]


def rule_inputs() -> list[FieldSpec]:
    """Fields a condition may test: everything except the targets themselves."""
    targets = {t.name for t in rule_targets()}
    return [s for s in BUILT_IN if s.name not in targets]


@dataclass(frozen=True)
class Outcome:
    """What the published rules make of one customer."""

    values: dict[str, Any]
    fired: list[dict[str, Any]]


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def condition_holds(customer: Customer, condition: dict[str, Any]) -> bool:
    """Whether one ``{"field", "op", "value"}`` condition holds for the customer."""
    field_spec = spec(condition["field"])
    actual = field_spec.get(customer)
    op = condition["op"]
    expected = condition.get("value")
    if op == "blank":
        return field_spec.is_blank(actual)
    if op == "not_blank":
        return not field_spec.is_blank(actual)
    if field_spec.is_blank(actual):
        return False
    text = field_spec.to_text(actual)
    if op in {"in", "not_in"}:
        options = [o.strip() for o in str(expected).split(",")]
        return bool((text in options) == (op == "in"))
    if op == "startswith":
        return any(text.startswith(p.strip()) for p in str(expected).split(","))
    if op in {"gte", "lte"}:
        left, right = _number(actual), _number(expected)
        if left is None or right is None:
            return False
        return bool(left >= right if op == "gte" else left <= right)
    if op == "eq":
        return text == str(expected)
    if op == "ne":
        return text != str(expected)
    raise ValueError(f"unknown operator {op!r}")


def published_version() -> RuleSetVersion | None:
    """The newest published rule set."""
    return RuleSetVersion.objects.order_by("-number").first()


def evaluate(customer: Customer, rules: list[MappingRule]) -> Outcome:
    """Apply rules in priority order to the defaults of their targets.

    Targets start from their default (a coefficient of 1.00, no credit attention),
    so a rule that stops holding stops counting: re-running is idempotent.
    """
    values: dict[str, Any] = {}
    fired: list[dict[str, Any]] = []
    for target in rule_targets():
        default = target.column.get_default()
        values[target.name] = Decimal(default) if isinstance(default, int) else default
    for rule in rules:
        if not all(condition_holds(customer, c) for c in rule.conditions):
            continue
        target = spec(rule.target)
        new = target.clean(rule.value)
        current = values.get(rule.target)
        if rule.raise_only and isinstance(new, Decimal) and isinstance(current, Decimal):
            new = max(new, current)
        values[rule.target] = new
        fired.append({"code": rule.code, "name": rule.name, "version": rule.version.number})
    return Outcome(values=values, fired=fired)
