"""Change requests as they leave the database: the one place that decides whether the old
and new values of a personal field are masked, and logs who saw them unmasked.

Every page and API answer that shows a change request's values goes through
``change_requests_shown``; nothing else reads ``old_value`` / ``new_value`` for display.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from gridcrm.archive import events, registry
from gridcrm.archive.services import can_see_contact

if TYPE_CHECKING:
    from gridcrm.archive.models import ChangeRequest, DisclosureEvent
    from gridcrm.users.models import User


@transaction.atomic
def change_requests_shown(
    *,
    changes: Iterable[ChangeRequest],
    acting_user: User,
    channel: DisclosureEvent.Kind,
) -> list[ChangeRequest]:
    """Copies of ``changes`` with the values ``acting_user`` may read.

    A personal field's old and new values are masked with the registry's ``masked`` (phones
    keep three and four digits, ID and credit codes six and four) unless the role holds
    ``archive.view_customer_contact``. For a role that holds it, the values are shown in
    full and each customer whose values masking would have hidden gets one
    ``DisclosureEvent`` (through ``channel``) naming the fields and the requests, in the
    same transaction. The copies carry a ``label`` (the field's name as people read it);
    they are for display only and are never saved; the originals are untouched.
    """
    specs = {s.name: s for s in registry.all_specs()}
    reveal = can_see_contact(user=acting_user)
    shown: list[ChangeRequest] = []
    seen: dict[int, tuple[ChangeRequest, set[str], list[int]]] = {}
    for change in changes:
        spec = specs.get(change.field)
        out = copy.copy(change)
        out.label = spec.label if spec else change.field  # type: ignore[attr-defined]
        if spec is not None and spec.is_personal:
            hidden = [spec.masked(v) for v in (change.old_value, change.new_value)]
            if [hidden[0], hidden[1]] != [
                spec.display(change.old_value),
                spec.display(change.new_value),
            ]:
                if reveal:
                    entry = seen.setdefault(change.customer_id, (change, set(), []))
                    entry[1].add(change.field)
                    entry[2].append(change.pk)
                else:
                    out.old_value, out.new_value = hidden
        shown.append(out)
    for change, fields, pks in seen.values():
        events.disclosure(
            customer=change.customer,
            acting_user=acting_user,
            kind=channel,
            fields=sorted(fields),
            detail="change requests " + ", ".join(f"#{pk}" for pk in pks),
        )
    return shown
