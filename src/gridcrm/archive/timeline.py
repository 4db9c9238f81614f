"""The archive's part of the customer timeline (``core.extensions.TIMELINE_SOURCES``):
field changes, change requests asked for and decided, and — for roles that see personal
data — who saw it unmasked. Registered in ``ArchiveConfig.ready``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from gridcrm.archive import registry
from gridcrm.archive.models import ArchiveEvent, Customer, DisclosureEvent
from gridcrm.archive.selectors import customer_history, customer_is_visible
from gridcrm.archive.services import can_see_contact
from gridcrm.core.audit import TimelineEntry

if TYPE_CHECKING:
    from gridcrm.users.models import User

APP = "archive"


def archive_timeline(*, customer: Customer, user: User, limit: int) -> list[TimelineEntry]:
    """The archive's events of ``customer`` that ``user`` may see, newest first (at most
    ``limit`` of each kind; the timeline merges and cuts). Personal values are masked."""
    if not customer_is_visible(user=user, customer_id=customer.pk):
        return []
    specs = {s.name: s for s in registry.all_specs()}
    entries = [
        _field_changed(change, specs) for change in customer_history(customer=customer)[:limit]
    ]
    events = ArchiveEvent.objects.filter(customer=customer).select_related("acting_user")
    entries += [
        TimelineEntry(
            at=event.at,
            app=APP,
            kind=event.kind,
            title=event.get_kind_display(),
            text=_change_request_text(event, specs),
            acting_user=event.acting_user,
        )
        for event in events[:limit]
    ]
    if can_see_contact(user=user):
        disclosures = DisclosureEvent.objects.filter(customer=customer).select_related(
            "acting_user"
        )
        entries += [
            TimelineEntry(
                at=seen.at,
                app=APP,
                kind="disclosure",
                title=_("Personal data seen unmasked"),
                text=f"{seen.fields} · {seen.get_kind_display()}",
                acting_user=seen.acting_user,
            )
            for seen in disclosures[:limit]
        ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _field_changed(change: Any, specs: dict[str, registry.FieldSpec]) -> TimelineEntry:
    field_spec = specs.get(change.field)
    label = field_spec.label if field_spec else change.field
    old, new = change.old_value, change.new_value
    if field_spec is not None:
        old, new = field_spec.masked(old), field_spec.masked(new)
    return TimelineEntry(
        at=change.at,
        app=APP,
        kind=f"field_{change.kind}",
        title=_("%(field)s changed") % {"field": label},
        text=f"{old or '—'} → {new or '—'}" + (f" · {change.reason}" if change.reason else ""),
        acting_user=change.acting_user,
    )


def _change_request_text(event: ArchiveEvent, specs: dict[str, registry.FieldSpec]) -> str:
    details = event.details or {}
    field = str(details.get("field", ""))
    field_spec = specs.get(field)
    label = str(field_spec.label) if field_spec else field
    note = str(details.get("note", ""))
    return " · ".join(part for part in (label, note) if part)
