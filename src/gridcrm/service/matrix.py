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
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from gridcrm.archive.choices import ImportanceClass, Segment
from gridcrm.core.formats import label_of, listing, number
from gridcrm.core.versioning import rows_validate, version_publish
from gridcrm.service import events
from gridcrm.service.credit import TermsLookup, credit_grade_for, credit_terms
from gridcrm.service.errors import InvalidConfiguration, ServiceRefused
from gridcrm.service.matrix_rows import RULE_FIELDS, MatrixRuleRow
from gridcrm.service.models import Channel, MatrixRule, MatrixVersion, Package, RequestType

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

REASON_LANGUAGES = ("zh-hans", "en")
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
    # The reasons in words of each language of the UI (rule conditions and effects named
    # in that language, authors' notes as written), so that an English page explains a
    # decision made while someone worked in Chinese. ``reasons_in`` picks one.
    reasons_by_language: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["limit_factor"] = str(self.limit_factor)
        return data


def _rule_reason(rule: MatrixRule) -> str:
    """A matched rule in the active language: its conditions, what it does, its note."""
    conditions = [
        label_of(Segment, rule.segment) if rule.segment else "",
        _("grade %(grade)s") % {"grade": rule.credit_grade} if rule.credit_grade else "",
        (
            str(_("important customers"))
            if rule.importance == MatrixRule.IMPORTANT
            else label_of(ImportanceClass, rule.importance)
            if rule.importance
            else ""
        ),
        label_of(Channel, rule.channel) if rule.channel else "",
        _("some request types") if rule.request_types else "",
    ]
    effects = [
        _("priority %(n)s") % {"n": rule.priority} if rule.priority is not None else "",
        (
            _("time limit × %(f)s") % {"f": number(rule.limit_factor)}
            if rule.limit_factor is not None
            else ""
        ),
        label_of(Package, rule.package) if rule.package else "",
        (
            ngettext("%(n)s extra step", "%(n)s extra steps", len(rule.extra_steps))
            % {"n": len(rule.extra_steps)}
            if rule.extra_steps
            else ""
        ),
    ]
    text = _("%(when)s → %(then)s") % {
        "when": listing(c for c in conditions if c) or _("every customer"),
        "then": listing(e for e in effects if e) or _("reminders only"),
    }
    return f"{text} ({rule.note})" if rule.note else text


def reasons_in(decision: Mapping[str, Any] | None) -> list[str]:
    """A stored decision's reasons in the active language (as stored, for a decision made
    before the reasons were kept per language)."""
    if not decision:
        return []
    by_language = decision.get("reasons_by_language") or {}
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"
    return list(by_language.get(language) or decision.get("reasons") or [])


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
    ordered = sorted(matching, key=lambda r: (_specificity(r), r.position))
    for rule in ordered:
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
    lookup = terms or credit_terms()
    policy = lookup(decision.credit_grade, decision.segment)
    decision.notice_lead_days = max(policy.notice_lead_days, MIN_NOTICE_DAYS)
    decision.due_shift_days = policy.due_shift_days
    decision.grace_max_days = policy.grace_max_days
    if policy.note:
        decision.reasons.append(policy.note)
    for language in REASON_LANGUAGES:
        with translation.override(language):
            words = [_rule_reason(rule) for rule in ordered]
            note = lookup(decision.credit_grade, decision.segment).note
            decision.reasons_by_language[language] = [*words, *([note] if note else [])]
    return decision


# --- publishing a new version ----------------------------------------------------------


def matrix_rows_validate(rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check every rule against ``MatrixRuleRow`` and the request types that exist; one
    ``Invalid`` (code ``service.invalid_configuration``) names every problem by row and
    field, or the rules come back clean, as the matrix stores them."""
    rows = rows_validate(MatrixRuleRow, rules, code=InvalidConfiguration.code)
    type_codes = set(RequestType.objects.values_list("code", flat=True))
    unknown = {
        f"{n}.request_types": _("Unknown request types: %(codes)s")
        % {"codes": ", ".join(sorted(set(row.request_types) - type_codes))}
        for n, row in enumerate(rows, start=1)
        if set(row.request_types) - type_codes
    }
    if unknown:
        raise InvalidConfiguration(fields=unknown)
    return [row.model_dump(mode="python") for row in rows]


@transaction.atomic
def matrix_publish(
    *, rules: Sequence[Mapping[str, Any]], note: str, acting_user: User
) -> MatrixVersion:
    """Publish a new version of the whole matrix; requests already made keep their decision.

    Two publishes at once get two numbers (``version_publish``), and both are kept."""
    if not acting_user.has_perm("service.manage_service_matrix"):
        raise ServiceRefused(_("Your role may not edit the service matrix."))
    if not note.strip():
        raise InvalidConfiguration(fields={"note": _("Say what changed.")})
    cleaned = matrix_rows_validate(rules)
    return _matrix_write(cleaned, note=note.strip(), acting_user=acting_user)


def matrix_install(rules: Sequence[Mapping[str, Any]], *, note: str) -> MatrixVersion:
    """Publish ``rules`` as the system (no person, no permission asked): the defaults."""
    return _matrix_write(matrix_rows_validate(rules), note=note, acting_user=None)


def _matrix_write(
    cleaned: Sequence[Mapping[str, Any]], *, note: str, acting_user: User | None
) -> MatrixVersion:
    def fill(version: MatrixVersion) -> None:
        MatrixRule.objects.bulk_create(
            MatrixRule(version=version, position=n, **rule)
            for n, rule in enumerate(cleaned, start=1)
        )
        events.matrix_published(version=version, acting_user=acting_user)

    return version_publish(MatrixVersion, acting_user=acting_user, fill=fill, note=note[:300])


def rule_as_dict(rule: MatrixRule) -> dict[str, Any]:
    data = {name: getattr(rule, name) for name in RULE_FIELDS}
    data["limit_factor"] = str(rule.limit_factor) if rule.limit_factor is not None else None
    return data
