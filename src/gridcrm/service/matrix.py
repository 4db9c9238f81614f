"""The service matrix (R6, R7): segment × credit grade × important-customer class decides a
request's priority, time limit factor, service package and extra steps, and a customer's
reminder schedule.

Every rule whose conditions hold applies. Of their values:
- priority: the most urgent (lowest number) wins;
- time limit factor: the smallest wins;
- extra steps: all of them, once per code;
- package, reminders: the most specific rule (most conditions) wins, ties by order.

The outage-notice lead (never below the 7-day commitment), the due-date shift and the
grace allowance come from the credit policy of the customer's grade and segment
(``service.credit.credit_terms``): one source for what a grade gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from gridcrm.archive.choices import ImportanceClass, Segment
from gridcrm.archive.models import Customer
from gridcrm.service.credit import TermsLookup, credit_grade_for, credit_terms
from gridcrm.service.errors import InvalidConfiguration
from gridcrm.service.models import (
    Channel,
    CreditGrade,
    LimitUnit,
    MatrixRule,
    MatrixVersion,
    Package,
    RequestType,
)
from gridcrm.users.models import User
from gridcrm.users.roles import Role

MIN_NOTICE_DAYS = 7  # State Grid's commitment: planned outages announced 7 days ahead.
DEFAULT_PRIORITY = 3


@dataclass(frozen=True)
class ExtraStep:
    code: str
    name_zh: str
    name_en: str
    owner_role: str
    limit_unit: str
    limit_value: int
    before: str = ""  # the step code to insert before; blank: after the first step


@dataclass
class Decision:
    """What the matrix says for one customer (and request type), with the reasons."""

    segment: str
    credit_grade: str
    importance: str
    channel: str = ""
    priority: int = DEFAULT_PRIORITY
    limit_factor: Decimal = Decimal("1.00")
    package: str = Package.STANDARD
    extra_steps: list[ExtraStep] = field(default_factory=list)
    notice_lead_days: int = MIN_NOTICE_DAYS
    due_shift_days: int = 0
    grace_max_days: int = 0
    reminder_days: list[int] = field(default_factory=lambda: [3])
    matrix_version: int | None = None
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["limit_factor"] = str(self.limit_factor)
        return data


def _importance_matches(rule_value: str, importance: str) -> bool:
    if not rule_value:
        return True
    if rule_value == MatrixRule.IMPORTANT:
        return importance not in ("", ImportanceClass.NONE)
    return rule_value == importance


def _matches(rule: MatrixRule, decision: Decision, request_type: str | None) -> bool:
    if rule.segment and rule.segment != decision.segment:
        return False
    if rule.credit_grade and rule.credit_grade != decision.credit_grade:
        return False
    if not _importance_matches(rule.importance, decision.importance):
        return False
    if rule.channel and rule.channel != decision.channel:
        return False
    if rule.request_types:
        return request_type is not None and request_type in rule.request_types
    return True


def _specificity(rule: MatrixRule) -> int:
    return sum(
        bool(v)
        for v in (
            rule.segment,
            rule.credit_grade,
            rule.importance,
            rule.request_types,
            rule.channel,
        )
    )


def matrix_current() -> MatrixVersion | None:
    return MatrixVersion.objects.order_by("-number").first()


def matrix_rules(version: MatrixVersion | None) -> list[MatrixRule]:
    if version is None:
        return []
    return list(version.rules.order_by("position"))


def decide(
    *,
    customer: Customer,
    request_type: str | None = None,
    rules: Sequence[MatrixRule] | None = None,
    version: MatrixVersion | None = None,
    credit_grade: str | None = None,
    terms: TermsLookup | None = None,
    channel: str = "",
) -> Decision:
    """The matrix's decision for a customer, with the credit policy's terms; pass ``rules``
    and ``terms`` to decide many customers at once."""
    if rules is None:
        version = matrix_current()
        rules = matrix_rules(version)
    elif version is None and rules:
        version = rules[0].version
    decision = Decision(
        segment=customer.segment,
        credit_grade=credit_grade or credit_grade_for(customer),
        importance=customer.importance_class or ImportanceClass.NONE,
        channel=channel,
        matrix_version=version.number if version else None,
    )
    matching = [r for r in rules if _matches(r, decision, request_type)]
    # Least specific first, so that more specific rules overwrite.
    for rule in sorted(matching, key=lambda r: (_specificity(r), r.position)):
        decision.reasons.append(rule.note)
        if rule.priority is not None:
            decision.priority = min(decision.priority, rule.priority)
        if rule.limit_factor is not None:
            decision.limit_factor = min(decision.limit_factor, Decimal(rule.limit_factor))
        if rule.package:
            decision.package = rule.package
        if rule.reminder_days is not None:
            decision.reminder_days = sorted({int(d) for d in rule.reminder_days}, reverse=True)
        known = {s.code for s in decision.extra_steps}
        for raw in rule.extra_steps:
            step = ExtraStep(**raw)
            if step.code not in known:
                decision.extra_steps.append(step)
                known.add(step.code)
    policy = (terms or credit_terms())(decision.credit_grade, decision.segment)
    decision.notice_lead_days = max(policy.notice_lead_days, MIN_NOTICE_DAYS)
    decision.due_shift_days = policy.due_shift_days
    decision.grace_max_days = policy.grace_max_days
    if policy.note:
        decision.reasons.append(policy.note)
    return decision


# --- publishing a new version ----------------------------------------------------------

RULE_FIELDS = (
    "segment",
    "credit_grade",
    "importance",
    "request_types",
    "channel",
    "priority",
    "limit_factor",
    "package",
    "extra_steps",
    "reminder_days",
    "note",
)


def _int_or_none(value: Any, name: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = _("Enter a whole number.")
        return None
    if not low <= number <= high:
        errors[name] = _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return number


def _clean_rule(raw: Mapping[str, Any], n: int, type_codes: set[str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    p = f"#{n}"
    unknown = set(raw) - set(RULE_FIELDS)
    if unknown:
        errors[p] = _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
    clean: dict[str, Any] = {}
    segment = raw.get("segment") or ""
    if segment and segment not in Segment.values:
        errors[f"{p}.segment"] = _("Unknown segment.")
    clean["segment"] = segment
    grade = raw.get("credit_grade") or ""
    if grade and grade not in CreditGrade.values:
        errors[f"{p}.credit_grade"] = _("Unknown credit grade.")
    clean["credit_grade"] = grade
    importance = raw.get("importance") or ""
    if importance and importance not in {MatrixRule.IMPORTANT, *ImportanceClass.values}:
        errors[f"{p}.importance"] = _("Unknown important customer class.")
    clean["importance"] = importance
    types = raw.get("request_types") or []
    if isinstance(types, str):
        types = [t.strip() for t in types.split(",") if t.strip()]
    if not isinstance(types, list) or set(types) - type_codes:
        errors[f"{p}.request_types"] = _("Unknown request types: %(codes)s") % {
            "codes": ", ".join(sorted(set(types) - type_codes)) if isinstance(types, list) else ""
        }
    clean["request_types"] = list(types) if isinstance(types, list) else []
    channel = raw.get("channel") or ""
    if channel and channel not in Channel.values:
        errors[f"{p}.channel"] = _("Unknown channel.")
    clean["channel"] = channel
    clean["priority"] = _int_or_none(raw.get("priority"), f"{p}.priority", 1, 5, errors)
    factor = raw.get("limit_factor")
    clean["limit_factor"] = None
    if factor not in (None, ""):
        try:
            clean["limit_factor"] = Decimal(str(factor)).quantize(Decimal("0.01"))
        except InvalidOperation:
            errors[f"{p}.limit_factor"] = _("Enter a decimal number.")
        else:
            if not Decimal("0.1") <= clean["limit_factor"] <= Decimal("2"):
                errors[f"{p}.limit_factor"] = _("A time limit factor lies between 0.1 and 2.")
    package = raw.get("package") or ""
    if package and package not in Package.values:
        errors[f"{p}.package"] = _("Unknown package.")
    clean["package"] = package
    reminders = raw.get("reminder_days")
    if isinstance(reminders, str):
        reminders = [r.strip() for r in reminders.split(",") if r.strip()] or None
    if reminders is not None:
        try:
            reminders = [int(r) for r in reminders]
        except (TypeError, ValueError):
            errors[f"{p}.reminder_days"] = _("Enter days as whole numbers, separated by commas.")
            reminders = None
        else:
            if any(not 0 <= r <= 30 for r in reminders):
                errors[f"{p}.reminder_days"] = _("Reminders lie 0 to 30 days before the due day.")
    clean["reminder_days"] = reminders
    extra = raw.get("extra_steps") or []
    clean["extra_steps"] = []
    for i, step in enumerate(extra if isinstance(extra, list) else [None]):
        try:
            parsed = ExtraStep(**step)
            value = int(parsed.limit_value)
        except (TypeError, ValueError):
            errors[f"{p}.extra_steps[{i}]"] = _(
                "An extra step needs a code, names, an owner role and a limit."
            )
            continue
        if parsed.owner_role not in Role.values or parsed.limit_unit not in LimitUnit.values:
            errors[f"{p}.extra_steps[{i}]"] = _("Unknown role or time limit unit.")
        elif value < 1:
            errors[f"{p}.extra_steps[{i}]"] = _("A time limit must be positive.")
        clean["extra_steps"].append(asdict(parsed) | {"limit_value": value})
    note = str(raw.get("note") or "").strip()
    if not note:
        errors[f"{p}.note"] = _("Say why the rule exists; agents read it on every request.")
    clean["note"] = note[:200]
    if errors:
        raise InvalidConfiguration(errors)
    return clean


@transaction.atomic
def matrix_publish(*, rules: Sequence[Mapping[str, Any]], note: str, actor: User) -> MatrixVersion:
    """Publish a new version of the whole matrix; requests already made keep their decision."""
    if not actor.has_perm("service.manage_service_matrix"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Your role may not edit the service matrix."))
    if not note.strip():
        raise InvalidConfiguration({"note": _("Say what changed.")})
    type_codes = set(RequestType.objects.values_list("code", flat=True))
    errors: dict[str, str] = {}
    cleaned = []
    for n, raw in enumerate(rules, start=1):
        try:
            cleaned.append(_clean_rule(raw, n, type_codes))
        except InvalidConfiguration as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidConfiguration(errors)
    return _matrix_write(cleaned, note=note.strip(), actor=actor)


def _matrix_write(
    cleaned: Sequence[Mapping[str, Any]], *, note: str, actor: User | None
) -> MatrixVersion:
    # Lock the version table's newest row so two publishers cannot take the same number.
    last = MatrixVersion.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0
    version = MatrixVersion.objects.create(number=last + 1, note=note, published_by=actor)
    MatrixRule.objects.bulk_create(
        MatrixRule(version=version, position=n, **rule) for n, rule in enumerate(cleaned, start=1)
    )
    return version


def rule_as_dict(rule: MatrixRule) -> dict[str, Any]:
    data = {name: getattr(rule, name) for name in RULE_FIELDS}
    data["limit_factor"] = str(rule.limit_factor) if rule.limit_factor is not None else None
    return data
