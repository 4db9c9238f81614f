"""Writes and audited reads of the customer archive."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.users.models import User

CONTACT_PERMISSION = "archive.view_customer_contact"


def can_see_contact(*, user: User) -> bool:
    """Whether the user's role needs unmasked contact details."""
    return user.has_perm(CONTACT_PERMISSION)


def customer_contact_reveal(
    *, customer: Customer, actor: User, channel: DisclosureEvent.Channel
) -> str:
    """Show the unmasked phone to a role that needs it, and log that it was seen."""
    if not can_see_contact(user=actor):
        raise PermissionDenied(_("Your role may not see unmasked contact details."))
    DisclosureEvent.objects.create(customer=customer, actor=actor, channel=channel, fields="phone")
    return customer.phone
