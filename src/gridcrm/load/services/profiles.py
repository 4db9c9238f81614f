"""Declared production data: a customer's load that must never be cut and the load that
can move or be shed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_is_visible
from gridcrm.load import events
from gridcrm.load.errors import InvalidProfile, MayNotEditProfile, StaleProfile
from gridcrm.load.models import ProductionProfile

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

PROFILE_FIELDS = (
    "security_load_kw",
    "typical_load_kw",
    "shiftable_kw",
    "shift_notice_hours",
    "shift_max_hours",
    "curtailable_kw",
    "curtail_notice_hours",
    "curtail_max_hours",
    "interruptible_kw",
    "interrupt_notice_hours",
    "interruptible_processes",
    "output_value_per_kwh",
    "protection",
)


def _validate(profile: ProductionProfile, customer: Customer) -> None:
    try:
        profile.full_clean()
    except ValidationError as exc:
        # The model's own validators say what is wrong; they become the error's fields.
        raise InvalidProfile(
            fields={name: " ".join(texts) for name, texts in exc.message_dict.items()}
        ) from exc
    if profile.security_load_kw and customer.contracted_kva is not None:
        if float(profile.security_load_kw) > float(customer.contracted_kva):
            raise InvalidProfile(
                fields={"security_load_kw": _("The security load exceeds the contracted capacity.")}
            )


@transaction.atomic
def profile_save(
    *, customer: Customer, data: dict[str, Any], acting_user: User, version: int | None = None
) -> ProductionProfile:
    """Create or update a customer's declared production data.

    The user must hold ``load.edit_production_data`` and see the customer
    (``load.may_not_edit_profile``); an edit that started from an older version is
    refused (``load.stale_profile``), wrong values too (``load.invalid_profile``).
    """
    if not acting_user.has_perm("load.edit_production_data"):
        raise MayNotEditProfile(_("Your role may not edit declared production data."))
    if not customer_is_visible(user=acting_user, customer_id=customer.pk):
        raise MayNotEditProfile(_("This customer is outside your scope."))
    profile = ProductionProfile.objects.select_for_update().filter(
        customer=customer
    ).first() or ProductionProfile(customer=customer)
    if profile.pk is not None and version is not None and version != profile.version:
        raise StaleProfile(_("Someone else saved these data meanwhile; reload and try again."))
    changed = []
    for name in PROFILE_FIELDS:
        if name in data and getattr(profile, name) != data[name]:
            setattr(profile, name, data[name])
            changed.append(name)
    profile.updated_by = acting_user
    _validate(profile, customer)
    if profile.pk is None:
        profile.save()
    else:
        profile.version = F("version") + 1
        profile.save()
        profile.refresh_from_db()
    events.profile_saved(customer=customer, changed=changed, acting_user=acting_user)
    return profile
