"""Writes of a customer's channel preferences: which channels besides the portal inbox,
the e-mail address and WeChat openid to use, and the quiet hours in which SMS and WeChat
wait (emergencies do not). The portal calls this for its own customer; staff call it from
the API for a customer in their scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_is_visible
from gridcrm.service import events
from gridcrm.service.channels import CHANNELS
from gridcrm.service.delivery import QUIET_END, QUIET_START
from gridcrm.service.errors import CustomerNotFound, InvalidInput
from gridcrm.service.models import ChannelPreference

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User


@transaction.atomic
def channel_preferences_set(
    *,
    customer: Customer,
    channels: Sequence[str],
    acting_user: User,
    email: str = "",
    wechat_openid: str = "",
    quiet_start: dt.time = QUIET_START,
    quiet_end: dt.time = QUIET_END,
) -> ChannelPreference:
    """Replace the customer's preferences. In-app is always on and need not be named; an
    e-mail channel needs an address here or in the archive, WeChat an openid. Refused
    (``service.customer_not_found``) for a customer out of the acting user's scope;
    ``service.invalid_input`` with ``fields`` for a wrong value, changing nothing."""
    if not customer_is_visible(user=acting_user, customer_id=customer.pk):
        raise CustomerNotFound(_("No such customer."))
    errors: dict[str, str] = {}
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        errors["channels"] = _("Unknown channel: %(codes)s.") % {"codes": ", ".join(unknown)}
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    wechat_openid = wechat_openid.strip()
    if "wechat" in channels and not wechat_openid:
        errors["wechat_openid"] = _("WeChat messages need the customer's WeChat openid.")
    if "email" in channels and not (email or customer.extra.get("email")):
        errors["email"] = _("E-mail needs an e-mail address.")
    if errors:
        raise InvalidInput(fields=errors)
    preference, _new = ChannelPreference.objects.update_or_create(
        customer=customer,
        defaults={
            "channels": list(dict.fromkeys(["in_app", *channels])),
            "email": email,
            "wechat_openid": wechat_openid,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "updated_by": acting_user,
        },
    )
    events.channels_set(preference=preference, acting_user=acting_user)
    return preference
