"""The portal's audit trail, written only here and only by its services.

Refusals (a wrong code, wrong proof, too many attempts) are recorded too: they are
written outside the refused operation, which changes nothing else."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gridcrm.portal.models import PortalEvent

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

log = logging.getLogger("gridcrm.portal")
Kind = PortalEvent.Kind


def _event(
    kind: str,
    *,
    acting_user: User | None,
    portal_user: User | None = None,
    customer: Customer | None = None,
    phone: str = "",
    ip: str | None = None,
    **details: Any,
) -> PortalEvent:
    return PortalEvent.objects.create(
        kind=kind,
        acting_user=acting_user,
        portal_user=portal_user,
        customer=customer,
        phone=phone[:20],
        ip=ip or None,
        details=details,
    )


def code_sent(*, phone: str, ip: str | None) -> PortalEvent:
    return _event(Kind.CODE_SENT, acting_user=None, phone=phone, ip=ip)


def registered(*, user: User, phone: str, ip: str | None) -> PortalEvent:
    return _event(Kind.REGISTERED, acting_user=user, portal_user=user, phone=phone, ip=ip)


def bound(*, user: User, customer: Customer) -> PortalEvent:
    return _event(Kind.BOUND, acting_user=user, portal_user=user, customer=customer)


def unbound(*, user: User, customer: Customer, acting_user: User, reason: str) -> PortalEvent:
    return _event(
        Kind.UNBOUND, acting_user=acting_user, portal_user=user, customer=customer, text=reason
    )


def refused(
    *,
    code: str,
    acting_user: User | None,
    phone: str = "",
    ip: str | None = None,
    account_no: str = "",
) -> PortalEvent:
    """A refused input; also to the log, where monitoring counts refusals per address."""
    log.warning("portal refused %s phone=%s ip=%s account=%s", code, phone[-4:], ip, account_no)
    return _event(
        Kind.REFUSED,
        acting_user=acting_user,
        portal_user=acting_user,
        phone=phone,
        ip=ip,
        code=code,
        account_no=account_no,
    )


def request_filed(*, user: User, customer: Customer, request_id: int) -> PortalEvent:
    return _event(
        Kind.REQUEST_FILED,
        acting_user=user,
        portal_user=user,
        customer=customer,
        text=f"#{request_id}",
    )


def contact_updated(*, user: User, customer: Customer, fields: list[str]) -> PortalEvent:
    return _event(
        Kind.CONTACT_UPDATED,
        acting_user=user,
        portal_user=user,
        customer=customer,
        text=", ".join(fields),
    )


def data_exported(*, user: User, customer: Customer, fmt: str) -> PortalEvent:
    return _event(
        Kind.DATA_EXPORTED, acting_user=user, portal_user=user, customer=customer, text=fmt
    )
