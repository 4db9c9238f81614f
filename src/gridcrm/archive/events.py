"""The archive's audit trail: one named function per thing that happens.

Only services call these, inside the transaction of the change they record, so an
event exists exactly when its change was kept. Field values have their own history
(``FieldChange``, one row per field); everything else the archive records is an
``ArchiveEvent`` or, for a look at unmasked personal data, a ``DisclosureEvent``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from gridcrm.archive.models import (
    ArchiveEvent,
    ChangeRequest,
    Customer,
    CustomField,
    DisclosureEvent,
    FieldChange,
    RuleSetVersion,
)

if TYPE_CHECKING:
    from gridcrm.archive.registry import FieldSpec
    from gridcrm.users.models import User

Kind = ArchiveEvent.Kind


def field_change(
    *,
    customer: Customer,
    field_spec: FieldSpec,
    old: Any,
    new: Any,
    acting_user: User | None,
    source: str,
    reason: str = "",
    captured_on: dt.date | None = None,
    contact_channel: str = "",
    change_request: ChangeRequest | None = None,
) -> FieldChange:
    """One field's change as a history row, not yet saved (``field_changes_write`` saves
    a batch of them in one statement)."""
    return FieldChange(
        customer=customer,
        field=field_spec.name,
        old_value=field_spec.to_text(old),
        new_value=field_spec.to_text(new),
        acting_user=acting_user,
        kind=source,
        reason=reason[:500],
        captured_on=captured_on,
        contact_channel=contact_channel,
        change_request=change_request,
    )


def field_changes_write(*, changes: Iterable[FieldChange]) -> None:
    """Save history rows made by ``field_change``."""
    FieldChange.objects.bulk_create(list(changes), batch_size=2000)


def customer_created(
    *, customer: Customer, acting_user: User | None, source: str = FieldChange.Kind.CREATED
) -> FieldChange:
    """A customer came into the archive: the first row of its history."""
    return FieldChange.objects.create(
        customer=customer,
        field="account_no",
        new_value=customer.account_no,
        acting_user=acting_user,
        kind=source,
    )


def disclosure(
    *,
    customer: Customer | None,
    acting_user: User,
    kind: str,
    fields: Iterable[str],
    detail: str = "",
) -> DisclosureEvent:
    """``acting_user`` saw these personal ``fields`` unmasked (of ``customer``, or of many
    customers when it is ``None``: an export) through ``kind`` (web, API, export)."""
    return DisclosureEvent.objects.create(
        customer=customer,
        acting_user=acting_user,
        kind=kind,
        fields=",".join(fields)[:200],
        detail=detail[:200],
    )


def _change_request_event(kind: str, change: ChangeRequest, acting_user: User) -> ArchiveEvent:
    return ArchiveEvent.objects.create(
        kind=kind,
        customer_id=change.customer_id,
        acting_user=acting_user,
        details={
            "change_request": change.pk,
            "field": change.field,
            "note": change.decision_note or change.reason,
        },
    )


def change_requested(*, change: ChangeRequest, acting_user: User) -> ArchiveEvent:
    """A change of a tier-1 field was asked for."""
    return _change_request_event(Kind.CHANGE_REQUESTED, change, acting_user)


def change_approved(*, change: ChangeRequest, acting_user: User) -> ArchiveEvent:
    """An archive officer approved a change request (its field change has its own row)."""
    return _change_request_event(Kind.CHANGE_APPROVED, change, acting_user)


def change_rejected(*, change: ChangeRequest, acting_user: User) -> ArchiveEvent:
    """An archive officer turned a change request down."""
    return _change_request_event(Kind.CHANGE_REJECTED, change, acting_user)


def rule_set_published(*, version: RuleSetVersion, acting_user: User) -> ArchiveEvent:
    """A new version of the mapping rules is in force."""
    return ArchiveEvent.objects.create(
        kind=Kind.RULE_SET_PUBLISHED,
        acting_user=acting_user,
        details={"version": version.number, "rules": version.rules.count(), "note": version.note},
    )


def credit_list_imported(
    *, source: str, entries: int, matched_customers: int, acting_user: User | None
) -> ArchiveEvent:
    """The entries of one public credit list were replaced."""
    return ArchiveEvent.objects.create(
        kind=Kind.CREDIT_LIST_IMPORTED,
        acting_user=acting_user,
        details={"source": source, "entries": entries, "matched_customers": matched_customers},
    )


def custom_field_saved(
    *, custom_field: CustomField, created: bool, acting_user: User | None
) -> ArchiveEvent:
    """An extension field was declared (``created``) or its declaration changed."""
    return ArchiveEvent.objects.create(
        kind=Kind.CUSTOM_FIELD_ADDED if created else Kind.CUSTOM_FIELD_CHANGED,
        acting_user=acting_user,
        details={"code": custom_field.code, "kind": custom_field.kind, "tier": custom_field.tier},
    )
