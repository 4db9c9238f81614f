"""Writes of the customer archive. Every change writes its history in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive import registry
from gridcrm.archive.bigrams import search_bigrams
from gridcrm.archive.completeness import completeness_score, missing_fields
from gridcrm.archive.errors import (
    InvalidFields,
    MissingTier1,
    Tier1Locked,
    VersionConflict,
)
from gridcrm.archive.models import (
    ChangeRequest,
    Customer,
    DisclosureEvent,
    FieldChange,
    MappingRule,
    RuleSetVersion,
)
from gridcrm.archive.registry import FieldSpec, Tier
from gridcrm.archive.rules import OPS, evaluate, published_version, rule_inputs, rule_targets
from gridcrm.archive.segments import classify_segment
from gridcrm.users.models import User
from gridcrm.users.selectors import user_roles

CONTACT_PERMISSION = "archive.view_customer_contact"
Source = FieldChange.Source


def can_see_contact(*, user: User) -> bool:
    """Whether the user's role needs unmasked personal data (phones, certificate numbers)."""
    return user.has_perm(CONTACT_PERMISSION)


def customer_contact_reveal(
    *, customer: Customer, actor: User, channel: DisclosureEvent.Channel
) -> str:
    """Show the unmasked phone to a role that needs it, and log that it was seen."""
    if not can_see_contact(user=actor):
        raise PermissionDenied(_("Your role may not see unmasked contact details."))
    DisclosureEvent.objects.create(customer=customer, actor=actor, channel=channel, fields="phone")
    return customer.phone


def may_edit(*, user: User, field_spec: FieldSpec) -> bool:
    """Whether the user's role may fill in this (tier-2 or tier-3) field."""
    if field_spec.is_derived or not user.has_perm("archive.edit_customer_data"):
        return False
    return user.is_superuser or bool(user_roles(user=user) & field_spec.edit_roles)


def clean_values(raw: Mapping[str, Any], specs: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """Stored values of raw inputs by field name; all errors at once as ``InvalidFields``."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        field_spec = specs.get(name)
        if field_spec is None:
            errors[name] = _("There is no such field.")
            continue
        try:
            values[name] = field_spec.clean(value)
        except ValidationError as exc:
            errors[name] = " ".join(str(m) for m in exc.messages)
    if errors:
        raise InvalidFields(errors)
    return values


def published_rules() -> list[MappingRule]:
    """The rules of the published version, loaded once per operation."""
    version = published_version()
    return list(version.rules.select_related("version")) if version else []


# Columns that refresh_derived may change besides completeness and rules_fired.
DERIVED_COLUMNS = (
    "phone_last4",
    "search_bigrams",
    "segment",
    *[t.name for t in rule_targets()],
)


def refresh_derived(
    customer: Customer, specs: Sequence[FieldSpec], rules: list[MappingRule]
) -> dict[str, tuple[Any, Any]]:
    """Recompute the derived fields in place; returns ``{field: (old, new)}`` of what changed."""
    changed: dict[str, tuple[Any, Any]] = {}

    def put(name: str, value: Any) -> None:
        old = getattr(customer, name)
        if old != value:
            changed[name] = (old, value)
            setattr(customer, name, value)

    put("phone_last4", customer.phone[-4:] if customer.phone else "")
    put("search_bigrams", search_bigrams(customer.name, customer.address))
    if not customer.segment_override_reason:
        put(
            "segment",
            classify_segment(
                tariff_category=customer.tariff_category, industry_code=customer.industry_code
            ).value,
        )
    outcome = evaluate(customer, rules)
    for name, value in outcome.values.items():
        put(name, value)
    customer.rules_fired = outcome.fired
    customer.completeness = completeness_score(customer, specs)
    return changed


def _history(
    customer: Customer,
    field_spec: FieldSpec,
    old: Any,
    new: Any,
    *,
    actor: User | None,
    source: str,
    reason: str = "",
    captured_on: dt.date | None = None,
    contact_channel: str = "",
    change_request: ChangeRequest | None = None,
) -> FieldChange:
    return FieldChange(
        customer=customer,
        field=field_spec.name,
        old_value=field_spec.to_text(old),
        new_value=field_spec.to_text(new),
        acting_user=actor,
        kind=source,
        reason=reason[:500],
        captured_on=captured_on,
        contact_channel=contact_channel,
        change_request=change_request,
    )


def _save(
    customer: Customer,
    changes: dict[str, Any],
    specs_by_name: Mapping[str, FieldSpec],
    *,
    expected_version: int,
    actor: User | None,
    source: str,
    **history: Any,
) -> Customer:
    """Apply cleaned changes to the stored customer if it is still at ``expected_version``."""
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if current.version != expected_version:
        raise VersionConflict
    specs = list(specs_by_name.values())
    rows = []
    for name, value in changes.items():
        field_spec = specs_by_name[name]
        old = field_spec.get(current)
        if old == value or (field_spec.is_blank(old) and field_spec.is_blank(value)):
            continue
        field_spec.set(current, value)
        rows.append(
            _history(current, field_spec, old, value, actor=actor, source=source, **history)
        )
    if not rows:
        return current
    for name, (old, new) in refresh_derived(current, specs, published_rules()).items():
        if name in specs_by_name:
            rows.append(
                _history(current, specs_by_name[name], old, new, actor=None, source=Source.DERIVED)
            )
    current.version += 1
    current.save()
    FieldChange.objects.bulk_create(rows)
    return current


@transaction.atomic
def customer_create(
    *, data: Mapping[str, Any], actor: User | None, source: str = Source.CREATED
) -> Customer:
    """Create a customer; every applicable tier-1 field must be given and valid."""
    specs = registry.all_specs()
    by_name = {s.name: s for s in specs if not s.is_derived}
    values = clean_values(data, by_name)
    customer = Customer()
    for name, value in values.items():
        by_name[name].set(customer, value)
    if customer.tariff_category:
        customer.segment = classify_segment(
            tariff_category=customer.tariff_category, industry_code=customer.industry_code
        ).value
    missing = missing_fields(customer, specs, Tier.ONE)
    if missing:
        raise InvalidFields({s.name: _("This tier-1 field is required.") for s in missing})
    if Customer.objects.filter(account_no=customer.account_no).exists():
        raise InvalidFields({"account_no": _("This account number already exists.")})
    refresh_derived(customer, specs, published_rules())
    customer.save()
    FieldChange.objects.create(
        customer=customer,
        field="account_no",
        new_value=customer.account_no,
        acting_user=actor,
        kind=source,
    )
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    changes: Mapping[str, Any],
    actor: User,
    expected_version: int,
    source: str = Source.ENTERED,
    reason: str = "",
    captured_on: dt.date | None = None,
    contact_channel: str = "",
) -> Customer:
    """Fill in or correct tier-2 and tier-3 fields.

    Tier-1 fields are refused (they need a change request), as are fields the
    actor's role may not edit. A save that started from an older version than the
    stored one raises ``VersionConflict`` and changes nothing.
    """
    specs = registry.all_specs()
    by_name = {s.name: s for s in specs}
    locked = [by_name[n] for n in changes if n in by_name and by_name[n].tier == Tier.ONE]
    if locked:
        raise Tier1Locked([str(s.label) for s in locked])
    forbidden = [
        n for n in changes if n in by_name and not may_edit(user=actor, field_spec=by_name[n])
    ]
    if forbidden:
        raise PermissionDenied(
            _("Your role may not edit: %(fields)s.")
            % {"fields": "、".join(str(by_name[n].label) for n in forbidden)}
        )
    values = clean_values(changes, by_name)
    return _save(
        customer,
        values,
        by_name,
        expected_version=expected_version,
        actor=actor,
        source=source,
        reason=reason,
        captured_on=captured_on,
        contact_channel=contact_channel,
    )


def customer_require_tier1(*, customer: Customer, action: str) -> None:
    """Refuse a business action while applicable tier-1 fields are missing, naming them."""
    missing = missing_fields(customer, registry.all_specs(), Tier.ONE)
    if missing:
        raise MissingTier1(action, [str(s.label) for s in missing])


@transaction.atomic
def change_request_submit(
    *,
    customer: Customer,
    field: str,
    new_value: Any,
    reason: str,
    actor: User,
    evidence: UploadedFile | None = None,
) -> ChangeRequest:
    """Ask for a tier-1 change; an archive officer other than the requester decides."""
    if not actor.has_perm("archive.request_customer_change"):
        raise PermissionDenied(_("Your role may not request changes of tier-1 data."))
    try:
        field_spec = registry.spec(field)
    except KeyError as exc:
        raise InvalidFields({field: _("There is no such field.")}) from exc
    if field_spec.tier != Tier.ONE or field_spec.is_derived:
        raise InvalidFields({field: _("Only tier-1 fields need a change request.")})
    if not reason.strip():
        raise InvalidFields({"reason": _("Give a reason for the change.")})
    value = clean_values({field: new_value}, {field: field_spec})[field]
    if field == "account_no" and Customer.objects.filter(account_no=value).exists():
        raise InvalidFields({field: _("This account number already exists.")})
    text = field_spec.to_text(value)
    current = field_spec.to_text(field_spec.get(customer))
    if text == current:
        raise InvalidFields({field: _("The new value is the same as the current one.")})
    pending = ChangeRequest.objects.filter(
        customer=customer, field=field, new_value=text, status=ChangeRequest.Status.PENDING
    ).first()
    if pending is not None:
        return pending  # the same request twice (a re-import, a double click) is one request
    return ChangeRequest.objects.create(
        customer=customer,
        field=field,
        old_value=current,
        new_value=text,
        reason=reason.strip()[:500],
        evidence=evidence,
        requested_by=actor,
    )


def _decidable(request: ChangeRequest, approver: User) -> None:
    if not approver.has_perm("archive.approve_customer_change"):
        raise PermissionDenied(_("Only an archive officer may decide on a change request."))
    if approver.pk == request.requested_by_id:
        raise PermissionDenied(_("A change must be approved by a second person."))
    if request.status != ChangeRequest.Status.PENDING:
        raise InvalidFields({"status": _("This change request has already been decided.")})


@transaction.atomic
def change_request_approve(*, request: ChangeRequest, approver: User, note: str = "") -> Customer:
    """Apply an approved tier-1 change; the approver must not be the requester."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    _decidable(request, approver)
    field_spec = registry.spec(request.field)
    value = clean_values({request.field: request.new_value}, {request.field: field_spec})[
        request.field
    ]
    specs = {s.name: s for s in registry.all_specs()}
    customer = Customer.objects.get(pk=request.customer_id)
    request.status = ChangeRequest.Status.APPROVED
    request.decided_by = approver
    request.decided_at = timezone.now()
    request.decision_note = note[:500]
    request.save()
    return _save(
        customer,
        {request.field: value},
        specs,
        expected_version=customer.version,
        actor=request.requested_by,
        source=Source.CHANGE_REQUEST,
        reason=f"{request.reason} · {_('approved by')} {approver}",
        change_request=request,
    )


@transaction.atomic
def change_request_reject(*, request: ChangeRequest, approver: User, note: str) -> ChangeRequest:
    """Turn a change request down, saying why."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    _decidable(request, approver)
    if not note.strip():
        raise InvalidFields({"note": _("Say why the change is rejected.")})
    request.status = ChangeRequest.Status.REJECTED
    request.decided_by = approver
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:500]
    request.save()
    return request


@transaction.atomic
def segment_override(
    *, customer: Customer, segment: str, reason: str, actor: User, expected_version: int
) -> Customer:
    """Put a customer in another segment than its tariff and industry say, with a reason;
    an empty ``segment`` returns it to the derived one."""
    if not actor.has_perm("archive.override_segment"):
        raise PermissionDenied(_("Your role may not override segments."))
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if current.version != expected_version:
        raise VersionConflict
    field_spec = registry.spec("segment")
    old = current.segment
    if segment:
        if not reason.strip():
            raise InvalidFields({"reason": _("An override needs a reason.")})
        current.segment = clean_values({"segment": segment}, {"segment": field_spec})["segment"]
        current.segment_override_reason = reason.strip()[:200]
    else:
        current.segment_override_reason = ""
    refresh_derived(current, registry.all_specs(), published_rules())
    current.version += 1
    current.save()
    FieldChange.objects.create(
        customer=current,
        field="segment",
        old_value=old,
        new_value=current.segment,
        acting_user=actor,
        kind=Source.ENTERED,
        reason=reason.strip()[:500] or _("Override removed"),
    )
    return current


_RULE_FIELDS = ("conditions", "target", "value", "raise_only", "priority", "name")


@transaction.atomic
def rules_publish(*, rules: Sequence[Mapping[str, Any]], note: str, actor: User) -> RuleSetVersion:
    """Publish a new version of the mapping rules; earlier versions stay as they were."""
    if not actor.has_perm("archive.manage_mapping_rules"):
        raise PermissionDenied(_("Your role may not edit mapping rules."))
    if not note.strip():
        raise InvalidFields({"note": _("Say what changed in this version.")})
    targets = {t.name for t in rule_targets()}
    inputs = {s.name for s in rule_inputs()}
    errors: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    for index, rule in enumerate(rules, start=1):
        code = str(rule.get("code", "")).strip()
        where = code or f"#{index}"
        if not code or not code.replace("_", "").replace("-", "").isalnum():
            errors[where] = _("A rule needs a code of letters, digits and underscores.")
            continue
        if rule.get("target") not in targets:
            errors[where] = _("The target must be a derived value or behaviour field.")
            continue
        conditions = list(rule.get("conditions") or [])
        if not conditions:
            errors[where] = _("A rule needs at least one condition.")
            continue
        for condition in conditions:
            if condition.get("field") not in inputs or condition.get("op") not in OPS:
                errors[where] = _("Each condition needs a known field and operator.")
        try:
            registry.spec(str(rule["target"])).clean(rule.get("value"))
        except ValidationError as exc:
            errors[where] = " ".join(str(m) for m in exc.messages)
        cleaned.append(
            {
                **{k: rule.get(k) for k in _RULE_FIELDS},
                "code": code,
                "conditions": conditions,
                "raise_only": bool(rule.get("raise_only", True)),
            }
        )
    if len({r["code"] for r in cleaned}) != len(cleaned):
        errors["code"] = _("Rule codes must be unique.")
    if errors:
        raise InvalidFields(errors)
    latest = published_version()
    version = RuleSetVersion.objects.create(
        number=(latest.number + 1) if latest else 1, note=note.strip()[:300], published_by=actor
    )
    MappingRule.objects.bulk_create(
        MappingRule(
            version=version,
            code=r["code"],
            name=str(r.get("name") or r["code"])[:120],
            conditions=r["conditions"],
            target=r["target"],
            value=str(r["value"]),
            raise_only=r["raise_only"],
            priority=int(r.get("priority") or 100),
        )
        for r in cleaned
    )
    return version


def customers_refresh_all(*, progress: Any = None, batch_size: int = 2000) -> int:
    """Re-run derivations and mapping rules over every customer; returns how many changed.

    ``progress(done, total)`` is called after each batch.
    """
    specs = registry.all_specs()
    rules = published_rules()
    derived = [*DERIVED_COLUMNS, "completeness", "rules_fired"]
    total = Customer.objects.count()
    done = changed_count = 0
    last_pk = 0
    while True:
        batch = list(Customer.objects.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
        if not batch:
            break
        dirty = []
        for customer in batch:
            before = (customer.completeness, customer.rules_fired)
            if refresh_derived(customer, specs, rules) or before != (
                customer.completeness,
                customer.rules_fired,
            ):
                dirty.append(customer)
        with transaction.atomic():
            Customer.objects.bulk_update(dirty, derived)
        changed_count += len(dirty)
        done += len(batch)
        last_pk = batch[-1].pk
        if progress is not None:
            progress(done, total)
    return changed_count


def customers_facts_apply(*, values: Mapping[int, Mapping[str, Any]]) -> int:
    """Store values that analytics derived from facts (annual kWh, maximum demand, days
    to pay …) by customer id, then re-run rules and completeness for those customers.

    Only derived fields are accepted: facts never overwrite what people entered.
    Returns how many customers changed.
    """
    specs = registry.all_specs()
    by_name = {s.name: s for s in specs}
    names = {name for row in values.values() for name in row}
    refused = [n for n in names if n not in by_name or not by_name[n].is_derived]
    if refused:
        raise InvalidFields({n: _("Only derived fields can be set from facts.") for n in refused})
    rules = published_rules()
    changed: list[Customer] = []
    ids = sorted(values)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for customer in Customer.objects.filter(pk__in=chunk):
            row = values[customer.pk]
            before = {n: by_name[n].get(customer) for n in row}
            for name, raw in row.items():
                by_name[name].set(customer, by_name[name].clean(raw))
            if any(by_name[n].get(customer) != before[n] for n in row):
                refresh_derived(customer, specs, rules)
                changed.append(customer)
    Customer.objects.bulk_update(
        changed,
        [*sorted(names), *DERIVED_COLUMNS, "completeness", "rules_fired"],
        batch_size=2000,
    )
    return len(changed)


def customer_account_manager_set(
    *, customer_id: int, manager: User | None, acting_user: User | None
) -> None:
    """Set the customer's account manager (the key-account app keeps it equal to the key
    account's manager and is its only caller; it checks ``acting_user`` and records the
    change in its own trail). Followers of customer changes are told."""
    from gridcrm.core.extensions import customers_changed

    Customer.objects.filter(pk=customer_id).update(account_manager=manager)
    customers_changed(customer_ids=[customer_id], fields=frozenset({"account_manager"}))
