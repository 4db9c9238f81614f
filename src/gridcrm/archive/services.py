"""Writes of the customer archive. Every change writes its history (``archive.events``) in
the same transaction, and tells the followers of customer changes
(``core.extensions.CUSTOMERS_CHANGED``) which customers' fields changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive import events, registry
from gridcrm.archive.bigrams import search_bigrams
from gridcrm.archive.completeness import completeness_score, missing_fields
from gridcrm.archive.errors import (
    AccountNoTakenMeanwhile,
    ChangeRequestDecided,
    InvalidFields,
    MissingTier1,
    NotPermitted,
    Tier1Locked,
    VersionConflict,
)
from gridcrm.archive.models import (
    ChangeRequest,
    Customer,
    CustomField,
    DisclosureEvent,
    FieldChange,
    MappingRule,
)
from gridcrm.archive.personal import HASH_COLUMNS, personal_hashes
from gridcrm.archive.registry import FieldSpec, Tier
from gridcrm.archive.rule_sets import published_rules, rules_publish
from gridcrm.archive.rules import evaluate, rule_targets
from gridcrm.archive.segments import classify_segment
from gridcrm.core import uploads
from gridcrm.core.extensions import customers_changed
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.users.models import User

__all__ = [
    "DERIVED_COLUMNS",
    "can_see_contact",
    "change_request_approve",
    "change_request_reject",
    "change_request_submit",
    "clean_values",
    "customer_contact_reveal",
    "customer_create",
    "customer_require_tier1",
    "customer_update",
    "custom_field_save",
    "customers_facts_apply",
    "customers_refresh_all",
    "may_edit",
    "published_rules",
    "refresh_derived",
    "rules_publish",
    "segment_override",
]

CONTACT_PERMISSION = "archive.view_customer_contact"
Source = FieldChange.Kind


def can_see_contact(*, user: User) -> bool:
    """Whether the user's role needs unmasked personal data (phones, certificate numbers)."""
    return user.has_perm(CONTACT_PERMISSION)


@transaction.atomic
def customer_contact_reveal(
    *, customer: Customer, acting_user: User, channel: DisclosureEvent.Kind
) -> str:
    """Show the unmasked phone to a role that needs it, and log that it was seen."""
    if not can_see_contact(user=acting_user):
        raise NotPermitted(
            _("Your role may not see unmasked contact details."),
            code="archive.may_not_see_contact",
        )
    events.disclosure(customer=customer, acting_user=acting_user, kind=channel, fields=["phone"])
    return customer.phone


def may_edit(*, user: User, field_spec: FieldSpec) -> bool:
    """Whether the user's role may fill in this (tier-2 or tier-3) field."""
    if field_spec.is_derived or not user.has_perm("archive.edit_customer_data"):
        return False
    # Roles only: a superuser edits what its roles let it edit (users/roles.py).
    return bool(user_roles(user=user) & field_spec.edit_roles)


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


# Columns that refresh_derived may change besides completeness and rules_fired.
DERIVED_COLUMNS = (
    *HASH_COLUMNS,
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

    for name, value in personal_hashes(customer).items():
        put(name, value)
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


def _save(
    customer: Customer,
    changes: dict[str, Any],
    specs_by_name: Mapping[str, FieldSpec],
    *,
    expected_version: int,
    acting_user: User | None,
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
            events.field_change(
                customer=current,
                field_spec=field_spec,
                old=old,
                new=value,
                acting_user=acting_user,
                source=source,
                **history,
            )
        )
    if not rows:
        return current
    for name, (old, new) in refresh_derived(current, specs, published_rules()).items():
        if name in specs_by_name:
            rows.append(
                events.field_change(
                    customer=current,
                    field_spec=specs_by_name[name],
                    old=old,
                    new=new,
                    acting_user=None,
                    source=Source.DERIVED,
                )
            )
    current.version += 1
    current.save()
    events.field_changes_write(changes=rows)
    customers_changed(customer_ids=[current.pk], fields=frozenset(r.field for r in rows))
    return current


@transaction.atomic
def customer_create(
    *, data: Mapping[str, Any], acting_user: User | None, source: str = Source.CREATED
) -> Customer:
    """Create a customer; every applicable tier-1 field must be given and valid.

    ``acting_user`` must hold ``archive.import_customers``; ``None`` is the system (a
    fixture, a script) and may.
    """
    if acting_user is not None and not acting_user.has_perm("archive.import_customers"):
        raise NotPermitted(
            _("Your role may not create customers."), code="archive.may_not_create_customer"
        )
    specs = registry.all_specs()
    # Fields nobody fills in (derived, or fed only by their own list such as the public
    # credit blacklist) are refused by name rather than dropped, so a client learns that
    # its value was not taken.
    unsettable = {s.name for s in specs if not s.fillable} & set(data)
    if unsettable:
        raise InvalidFields(
            {name: _("This field is derived and cannot be set.") for name in sorted(unsettable)},
            code="archive.field_not_settable",
        )
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
        raise InvalidFields(
            {"account_no": _("This account number already exists.")},
            code="archive.account_no_taken",
        )
    refresh_derived(customer, specs, published_rules())
    customer.save()
    events.customer_created(customer=customer, acting_user=acting_user, source=source)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    changes: Mapping[str, Any],
    acting_user: User,
    expected_version: int,
    source: str = Source.ENTERED,
    reason: str = "",
    captured_on: dt.date | None = None,
    contact_channel: str = "",
) -> Customer:
    """Fill in or correct tier-2 and tier-3 fields.

    Tier-1 fields are refused (they need a change request), as are fields the
    acting user's role may not edit. A save that started from an older version than the
    stored one raises ``VersionConflict`` and changes nothing.
    """
    specs = registry.all_specs()
    by_name = {s.name: s for s in specs}
    locked = [by_name[n] for n in changes if n in by_name and by_name[n].tier == Tier.ONE]
    if locked:
        raise Tier1Locked([str(s.label) for s in locked])
    forbidden = [
        n for n in changes if n in by_name and not may_edit(user=acting_user, field_spec=by_name[n])
    ]
    if forbidden:
        raise NotPermitted(
            _("Your role may not edit: %(fields)s.")
            % {"fields": "、".join(str(by_name[n].label) for n in forbidden)},
            code="archive.may_not_edit_fields",
        )
    values = clean_values(changes, by_name)
    return _save(
        customer,
        values,
        by_name,
        expected_version=expected_version,
        acting_user=acting_user,
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
    acting_user: User,
    evidence: UploadedFile | None = None,
) -> ChangeRequest:
    """Ask for a tier-1 change; an archive officer other than the requester decides."""
    if not acting_user.has_perm("archive.request_customer_change"):
        raise NotPermitted(
            _("Your role may not request changes of tier-1 data."),
            code="archive.may_not_request_change",
        )
    try:
        field_spec = registry.spec(field)
    except KeyError as exc:
        raise InvalidFields({field: _("There is no such field.")}) from exc
    if field_spec.tier != Tier.ONE or field_spec.is_derived:
        raise InvalidFields({field: _("Only tier-1 fields need a change request.")})
    if not reason.strip():
        raise InvalidFields({"reason": _("Give a reason for the change.")})
    if evidence is not None:
        uploads.check_size(evidence, uploads.EVIDENCE)
    value = clean_values({field: new_value}, {field: field_spec})[field]
    if field == "account_no" and Customer.objects.filter(account_no=value).exists():
        raise InvalidFields(
            {field: _("This account number already exists.")}, code="archive.account_no_taken"
        )
    text = field_spec.to_text(value)
    current = field_spec.to_text(field_spec.get(customer))
    if text == current:
        raise InvalidFields(
            {field: _("The new value is the same as the current one.")},
            code="archive.value_unchanged",
        )
    # Compared here, not in SQL: a phone's or certificate number's value is sealed.
    pending = next(
        (
            request
            for request in ChangeRequest.objects.filter(
                customer=customer, field=field, status=ChangeRequest.Status.PENDING
            ).order_by("pk")
            if request.new_value == text
        ),
        None,
    )
    if pending is not None:
        return pending  # the same request twice (a re-import, a double click) is one request
    change = ChangeRequest.objects.create(
        customer=customer,
        field=field,
        old_value=current,
        new_value=text,
        reason=reason.strip()[:500],
        evidence=evidence,
        requested_by=acting_user,
    )
    events.change_requested(change=change, acting_user=acting_user)
    return change


def _decidable(request: ChangeRequest, acting_user: User) -> None:
    if not acting_user.has_perm("archive.approve_customer_change"):
        raise NotPermitted(
            _("Only an archive officer may decide on a change request."),
            code="archive.may_not_decide_change",
        )
    if acting_user.pk == request.requested_by_id:
        raise NotPermitted(
            _("A change must be approved by a second person."), code="archive.four_eyes"
        )
    if request.status != ChangeRequest.Status.PENDING:
        raise ChangeRequestDecided


def change_request_approve(
    *, request: ChangeRequest, acting_user: User, note: str = ""
) -> Customer:
    """Apply an approved tier-1 change; the approving user must not be the requester.

    A new account number that another customer took after the request was made cannot
    be applied: the request is rejected (kept, with the reason), then
    ``AccountNoTakenMeanwhile`` (409 ``archive.account_no_taken``) is raised.
    """
    with transaction.atomic():
        approved = _approve(request=request, acting_user=acting_user, note=note)
    if approved is None:
        # Raised after the commit, so that the rejection is kept.
        raise AccountNoTakenMeanwhile
    return approved


def _approve(*, request: ChangeRequest, acting_user: User, note: str) -> Customer | None:
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    _decidable(request, acting_user)
    field_spec = registry.spec(request.field)
    value = clean_values({request.field: request.new_value}, {request.field: field_spec})[
        request.field
    ]
    if (
        request.field == "account_no"
        and Customer.objects.filter(account_no=value).exclude(pk=request.customer_id).exists()
    ):
        request.status = ChangeRequest.Status.REJECTED
        request.decided_by = acting_user
        request.decided_at = timezone.now()
        request.decision_note = str(AccountNoTakenMeanwhile())[:500]
        request.save()
        events.change_rejected(change=request, acting_user=acting_user)
        return None
    specs = {s.name: s for s in registry.all_specs()}
    customer = Customer.objects.get(pk=request.customer_id)
    request.status = ChangeRequest.Status.APPROVED
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.decision_note = note[:500]
    request.save()
    events.change_approved(change=request, acting_user=acting_user)
    return _save(
        customer,
        {request.field: value},
        specs,
        expected_version=customer.version,
        # The history names who asked for the value; the approval is the event's.
        acting_user=request.requested_by,
        source=Source.CHANGE_REQUEST,
        # Who approved is the change request's; the history names them in the reader's
        # language (the 360° page), not in the approver's at the time.
        reason=request.reason,
        change_request=request,
    )


@transaction.atomic
def change_request_reject(*, request: ChangeRequest, acting_user: User, note: str) -> ChangeRequest:
    """Turn a change request down, saying why."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    _decidable(request, acting_user)
    if not note.strip():
        raise InvalidFields({"note": _("Say why the change is rejected.")})
    request.status = ChangeRequest.Status.REJECTED
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:500]
    request.save()
    events.change_rejected(change=request, acting_user=acting_user)
    return request


@transaction.atomic
def segment_override(
    *, customer: Customer, segment: str, reason: str, acting_user: User, expected_version: int
) -> Customer:
    """Put a customer in another segment than its tariff and industry say, with a reason;
    an empty ``segment`` returns it to the derived one."""
    if not acting_user.has_perm("archive.override_segment"):
        raise NotPermitted(
            _("Your role may not override segments."), code="archive.may_not_override_segment"
        )
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
    events.field_changes_write(
        changes=[
            events.field_change(
                customer=current,
                field_spec=field_spec,
                old=old,
                new=current.segment,
                acting_user=acting_user,
                source=Source.ENTERED,
                reason=reason.strip() or _("Override removed"),
            )
        ]
    )
    customers_changed(customer_ids=[current.pk], fields=frozenset({"segment"}))
    return current


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
            customers_changed(customer_ids=[c.pk for c in dirty], fields=frozenset(derived))
        changed_count += len(dirty)
        done += len(batch)
        last_pk = batch[-1].pk
        if progress is not None:
            progress(done, total)
    return changed_count


def customers_facts_apply(
    *,
    values: Mapping[int, Mapping[str, Any]],
    recorded: Collection[str] = (),
    acting_user: User | None = None,
) -> int:
    """Store values that analytics derived from facts (annual kWh, days to pay,
    complaints …) by customer id, then re-run rules and completeness for those customers;
    returns how many changed. Only derived fields are accepted: facts never overwrite
    what people entered. A change of a ``recorded`` field from a value it held writes a
    history row (kind derived, by ``acting_user``; ``None``: the system) in the same
    transaction — not its first value, which a first run gives every customer, and not
    figures that move for everyone on every run (annual kWh), which would drown it."""
    specs = registry.all_specs()
    by_name = {s.name: s for s in specs}
    names = {name for row in values.values() for name in row}
    refused = [n for n in names if n not in by_name or not by_name[n].is_derived]
    if refused:
        raise InvalidFields(
            {n: _("Only derived fields can be set from facts.") for n in refused},
            code="archive.not_derived",
        )
    rules = published_rules()
    changed: list[Customer] = []
    # Only the columns that moved are written: an UPDATE naming an indexed column (the
    # personal hashes, the search bigrams) costs index work on every row even when the
    # value is the same (docs/benchmarks.md, "Derived fields at 1,000,000 customers").
    touched: set[str] = set()
    history: list[FieldChange] = []
    ids = sorted(values)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for customer in Customer.objects.filter(pk__in=chunk):
            row = values[customer.pk]
            before = {n: by_name[n].get(customer) for n in row}
            for name, raw in row.items():
                by_name[name].set(customer, by_name[name].clean(raw))
            moved = [n for n in row if by_name[n].get(customer) != before[n]]
            if moved:
                scored = (customer.completeness, customer.rules_fired)
                touched.update(moved, refresh_derived(customer, specs, rules))
                if (customer.completeness, customer.rules_fired) != scored:
                    touched.update(("completeness", "rules_fired"))
                changed.append(customer)
            history.extend(
                events.field_change(
                    customer=customer,
                    field_spec=by_name[n],
                    old=before[n],
                    new=by_name[n].get(customer),
                    acting_user=acting_user,
                    source=Source.DERIVED,
                )
                for n in moved
                if n in recorded and not by_name[n].is_blank(before[n])
            )
    columns = sorted(touched)
    with transaction.atomic():
        # 500 a statement: bulk_update's CASE over the batch costs each row time in
        # proportion to the batch (2,000 took 2.4× as long a row as 500 on PostgreSQL).
        if changed:
            Customer.objects.bulk_update(changed, columns, batch_size=500)
        events.field_changes_write(changes=history)
        customers_changed(customer_ids=[c.pk for c in changed], fields=frozenset(columns))
    return len(changed)


def customer_account_manager_set(
    *, customer_id: int, manager: User | None, acting_user: User | None
) -> None:
    """Set the customer's account manager (the key-account app keeps it equal to the key
    account's manager and is its only caller; it checks ``acting_user`` and records the
    change in its own trail). Followers of customer changes are told."""
    Customer.objects.filter(pk=customer_id).update(account_manager=manager)
    customers_changed(customer_ids=[customer_id], fields=frozenset({"account_manager"}))


@transaction.atomic
def custom_field_save(*, custom_field: CustomField, acting_user: User) -> CustomField:
    """Declare an extension field, or change its declaration (its form has checked the
    values: ``admin.CustomFieldForm``)."""
    if not acting_user.has_perm("archive.manage_custom_fields"):
        raise NotPermitted(
            _("Your role may not declare extension fields."),
            code="archive.may_not_manage_custom_fields",
        )
    created = custom_field.pk is None
    custom_field.save()
    events.custom_field_saved(custom_field=custom_field, created=created, acting_user=acting_user)
    return custom_field
