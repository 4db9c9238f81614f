"""Writes of the portal: one-time codes and registration, binding accounts, and requests
and ratings from customers (which the service app records as its own requests).

Every refusal raises a ``portal.*`` (or the service app's) error, changes nothing it was
asked to do, and is written to the portal's audit trail and the log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customers_matching
from gridcrm.core.errors import DomainError
from gridcrm.portal import events
from gridcrm.portal.errors import (
    AlreadyBound,
    CodeInvalid,
    PhoneTaken,
    PortalInvalid,
    PortalNotFound,
    PortalRefused,
    ProofWrong,
    Throttled,
)
from gridcrm.portal.models import Binding, OneTimeCode, PortalEvent
from gridcrm.portal.requests import CUSTOMER_TYPES, summary_of
from gridcrm.portal.selectors import is_portal_user, may_unbind
from gridcrm.users.roles import Role
from gridcrm.users.services import user_create

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.service.models import ServiceRequest
    from gridcrm.users.models import User

MOBILE = re.compile(r"^1[3-9]\d{9}$")
CODE_LIFETIME = dt.timedelta(minutes=10)
RESEND_COOLDOWN = dt.timedelta(seconds=60)
CODES_PER_PHONE_PER_HOUR = 5
CODES_PER_IP_PER_HOUR = 20
ATTEMPTS_PER_CODE = 5
FAILURES_PER_HOUR = 10  # wrong codes per phone, wrong proofs per login


def _hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _refuse(
    error: DomainError,
    *,
    acting_user: User | None = None,
    phone: str = "",
    ip: str | None = None,
    account_no: str = "",
) -> DomainError:
    """Record a refusal (outside the refused operation) and hand the error back to raise."""
    events.refused(
        code=error.code, acting_user=acting_user, phone=phone, ip=ip, account_no=account_no
    )
    return error


def _username_taken(phone: str) -> bool:
    return get_user_model().objects.filter(username=phone).exists()


def _failures(*, since: dt.datetime, **where: object) -> int:
    return PortalEvent.objects.filter(kind=PortalEvent.Kind.REFUSED, at__gte=since, **where).count()


def code_send(*, phone: str, ip: str | None, now: dt.datetime | None = None) -> OneTimeCode:
    """Send a registration code by SMS to a mobile number not yet registered. Refused:
    not a mobile number (``portal.invalid``), registered already (``portal.phone_taken``),
    within a minute of the last code (``portal.resend_cooldown``), more than five codes an
    hour to the phone or twenty from the address (``portal.throttled``), or the SMS
    channel failing (the service app's ``service.channel_failed``)."""
    from gridcrm.service.services import message_send_now

    now = now or timezone.now()
    phone = phone.strip()
    hour_ago = now - dt.timedelta(hours=1)
    if not MOBILE.match(phone):
        message = _("Enter an 11-digit mobile number.")
        raise _refuse(PortalInvalid(message, fields={"phone": message}), phone=phone, ip=ip)
    if _username_taken(phone):
        raise _refuse(
            PhoneTaken(_("This mobile number is registered already; sign in instead.")),
            phone=phone,
            ip=ip,
        )
    recent = OneTimeCode.objects.filter(phone=phone, sent_at__gte=hour_ago)
    last = recent.first()
    if last is not None and now - last.sent_at < RESEND_COOLDOWN:
        raise _refuse(
            Throttled(
                _("A code was sent less than a minute ago; wait before asking again."),
                code="portal.resend_cooldown",
            ),
            phone=phone,
            ip=ip,
        )
    by_ip = OneTimeCode.objects.filter(ip=ip, sent_at__gte=hour_ago).count() if ip else 0
    if recent.count() >= CODES_PER_PHONE_PER_HOUR or by_ip >= CODES_PER_IP_PER_HOUR:
        raise _refuse(
            Throttled(_("Too many codes were asked for; try again in an hour.")),
            phone=phone,
            ip=ip,
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    sent = OneTimeCode.objects.create(
        phone=phone,
        purpose=OneTimeCode.Purpose.REGISTER,
        code_hash=_hash(phone, code),
        ip=ip,
        sent_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    # Sent outside a transaction, so that the channel's log of a failed try is kept; a code
    # that never left is removed and counts for nothing.
    try:
        message_send_now(
            channel="sms",
            to=phone,
            text=_("Your GridCRM registration code is %(code)s; it is valid for 10 minutes.")
            % {"code": code},
            purpose="portal_code",
            idempotency_key=f"portal-code-{sent.pk}",
        )
    except DomainError as error:
        sent.delete()
        raise _refuse(error, phone=phone, ip=ip) from error
    events.code_sent(phone=phone, ip=ip)
    return sent


def register(
    *,
    phone: str,
    code: str,
    password: str,
    full_name: str,
    ip: str | None,
    now: dt.datetime | None = None,
) -> User:
    """Create a customer login for the mobile number with the code sent to it. Refused:
    no code or an expired or used one (``portal.code_expired``), a wrong one
    (``portal.code_wrong``, counted), five wrong tries of one code or ten of one phone in
    an hour (``portal.too_many_attempts``), a weak password (``portal.invalid``)."""
    now = now or timezone.now()
    phone = phone.strip()
    if _failures(since=now - dt.timedelta(hours=1), phone=phone) >= FAILURES_PER_HOUR:
        raise _refuse(
            Throttled(
                _("Too many wrong codes; try again in an hour."), code="portal.too_many_attempts"
            ),
            phone=phone,
            ip=ip,
        )
    with transaction.atomic():
        sent = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, purpose=OneTimeCode.Purpose.REGISTER, used_at__isnull=True)
            .first()
        )
        expired = sent is None or sent.expires_at <= now
        spent = sent is not None and sent.attempts >= ATTEMPTS_PER_CODE
        right = sent is not None and hmac.compare_digest(sent.code_hash, _hash(phone, code.strip()))
        if sent is not None and not right and not expired and not spent:
            sent.attempts += 1
            sent.save(update_fields=["attempts"])
    if expired:
        raise _refuse(
            CodeInvalid(
                _("The code has expired or was not asked for; ask for a new one."),
                code="portal.code_expired",
                fields={"code": _("Ask for a new code.")},
            ),
            phone=phone,
            ip=ip,
        )
    if spent:
        raise _refuse(
            Throttled(
                _("Too many wrong codes; ask for a new one."), code="portal.too_many_attempts"
            ),
            phone=phone,
            ip=ip,
        )
    if not right:
        raise _refuse(
            CodeInvalid(_("The code is wrong."), fields={"code": _("The code is wrong.")}),
            phone=phone,
            ip=ip,
        )
    try:
        validate_password(password)
    except ValidationError as exc:
        raise PortalInvalid(
            " ".join(exc.messages), fields={"password": " ".join(exc.messages)}
        ) from exc
    with transaction.atomic():
        if _username_taken(phone):
            raise PhoneTaken(_("This mobile number is registered already; sign in instead."))
        OneTimeCode.objects.filter(pk=sent.pk).update(used_at=now)  # type: ignore[union-attr]
        user = user_create(
            username=phone,
            password=password,
            full_name=full_name.strip()[:150] or phone[-4:],
            role=Role.CUSTOMER,
        )
        events.registered(user=user, phone=phone, ip=ip)
    return user


def _require_portal_user(user: User) -> None:
    if not is_portal_user(user=user):
        raise PortalRefused(_("Only customer logins use the portal."))


def _proof_holds(customer: Customer, proof: str) -> bool:
    """Persons prove the last six characters of their certificate number; businesses with a
    company code (统一社会信用代码) the exact name on the account."""
    proof = proof.strip()
    if customer.certificate_type == "uscc":
        return bool(proof) and proof == customer.name.strip()
    number = (customer.certificate_no or "").upper()
    return len(proof) == 6 and len(number) >= 6 and number[-6:] == proof.upper()


def account_bind(
    *,
    user: User,
    account_no: str,
    proof: str,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> Binding:
    """Bind an account to this login on proof of knowledge. Refused: wrong account number
    or proof (``portal.proof_wrong``, the same answer for both), five wrong proofs an hour
    (``portal.too_many_attempts``), a household held by another login
    (``portal.already_bound``). A business account may be held by several contacts. Binding
    an account the login holds already answers its binding."""
    _require_portal_user(user)
    now = now or timezone.now()
    account_no = account_no.strip()
    if _failures(since=now - dt.timedelta(hours=1), portal_user=user) >= FAILURES_PER_HOUR // 2:
        raise _refuse(
            Throttled(
                _("Too many wrong tries; try again in an hour."), code="portal.too_many_attempts"
            ),
            acting_user=user,
            ip=ip,
            account_no=account_no,
        )
    with transaction.atomic():
        customer = (
            customers_matching(condition=Q(account_no=account_no)).select_for_update().first()
        )
        if customer is None or not _proof_holds(customer, proof):
            error: DomainError = ProofWrong(
                _("The account number and the proof do not match our records."),
                fields={"proof": _("Check the account number and the proof.")},
            )
        else:
            held = Binding.objects.filter(customer=customer, unbound_at__isnull=True)
            mine = held.filter(user=user).first()
            if mine is not None:
                return mine
            if customer.certificate_type != "uscc" and held.exists():
                error = AlreadyBound(
                    _(
                        "This account is held by another login. If it is yours, call 95598 "
                        "or visit a service counter."
                    )
                )
            else:
                binding = Binding.objects.create(user=user, customer=customer, bound_at=now)
                events.bound(user=user, customer=customer)
                return binding
    raise _refuse(error, acting_user=user, ip=ip, account_no=account_no)


@transaction.atomic
def account_unbind(*, binding: Binding, acting_user: User, reason: str = "") -> Binding:
    """End a binding: the login's own choice, or staff holding the unbind permission who
    may see the account (who else asks answers ``portal.not_found``)."""
    from gridcrm.archive.selectors import customer_is_visible

    own = binding.user_id == acting_user.pk
    staff = may_unbind(user=acting_user) and customer_is_visible(
        user=acting_user, customer_id=binding.customer_id
    )
    if not (own or staff) or binding.unbound_at is not None:
        raise PortalNotFound(_("No such binding."))
    binding.unbound_at = timezone.now()
    binding.unbound_by = acting_user
    binding.save(update_fields=["unbound_at", "unbound_by"])
    events.unbound(
        user=binding.user, customer=binding.customer, acting_user=acting_user, reason=reason
    )
    return binding


@transaction.atomic
def request_file(
    *, user: User, customer: Customer, type_code: str, values: dict[str, str]
) -> ServiceRequest:
    """File a request of a type customers may start, for a held account: the same
    workflow as an agent's (channel portal; key accounts the fast channel). Missing
    answers are ``portal.invalid`` with the fields named."""
    from gridcrm.keyaccounts.selectors import is_on_roster
    from gridcrm.service.selectors import request_types_active
    from gridcrm.service.services import request_create_by_customer

    _require_portal_user(user)
    fields = CUSTOMER_TYPES.get(type_code)
    request_type = request_types_active().filter(code=type_code).first()
    if fields is None or request_type is None:
        message = _("Choose a request type.")
        raise PortalInvalid(message, fields={"type": message})
    missing = {
        f.name: _("Fill this in.")
        for f in fields
        if f.required and not values.get(f.name, "").strip()
    }
    if missing:
        raise PortalInvalid(_("Some answers are missing."), fields=missing)
    request = request_create_by_customer(
        customer=customer,
        request_type=request_type,
        summary=summary_of(fields, values),
        acting_user=user,
        fast_channel=is_on_roster(customer_id=customer.pk),
    )
    events.request_filed(user=user, customer=customer, request_id=request.pk)
    return request


def request_rate(
    *, user: User, request: ServiceRequest, rating: int, comment: str
) -> ServiceRequest:
    """Rate a closed request (the service app keeps the rating on the request)."""
    from gridcrm.service.services import request_rate as service_request_rate

    _require_portal_user(user)
    return service_request_rate(request=request, rating=rating, comment=comment, acting_user=user)


def notice_read(*, user: User, customer: Customer, notice_id: int) -> None:
    """Record that the customer read a notice meant for them (idempotent)."""
    from gridcrm.service.selectors import notice_for_customer_get
    from gridcrm.service.services import notice_mark_read

    notice = notice_for_customer_get(customer=customer, pk=notice_id)
    if notice is None:
        raise PortalNotFound(_("No such notice."))
    notice_mark_read(notice=notice, customer=customer, acting_user=user)


def data_export(*, user: User, customer: Customer) -> dict[str, Any]:
    """Everything held about a held account, for download; the download is recorded."""
    from gridcrm.portal.data import personal_data

    _require_portal_user(user)
    data = personal_data(customer=customer)
    events.data_exported(user=user, customer=customer, fmt="json")
    return data


# Own data (PIPL) ------------------------------------------------------------------------

CONTACT_FIELDS = ("phone_alt", "preferred_channel", "e_bill")
# Tier-1 fields a customer may ask to correct (the four-eyes queue decides).
CORRECTABLE_FIELDS = ("name", "phone", "address")


def contact_update(
    *, user: User, customer: Customer, changes: dict[str, Any], expected_version: int
) -> Customer:
    """Update the customer's own tier-3 contact data directly (the archive records the
    change with its history; a stale form is ``archive.version_conflict``)."""
    from gridcrm.archive.services import customer_update

    _require_portal_user(user)
    unknown = [name for name in changes if name not in CONTACT_FIELDS]
    if unknown:
        raise PortalInvalid(fields={name: _("Not a contact field.") for name in unknown})
    updated = customer_update(
        customer=customer,
        changes=changes,
        acting_user=user,
        expected_version=expected_version,
        reason=_("changed by the customer on the portal"),
    )
    events.contact_updated(user=user, customer=customer, fields=sorted(changes))
    return updated


def correction_request(
    *, user: User, customer: Customer, field: str, new_value: str, reason: str
) -> Any:
    """Ask for a tier-1 correction (name, phone, address); it waits in the archive's
    four-eyes queue for an archive officer."""
    from gridcrm.archive.services import change_request_submit

    _require_portal_user(user)
    if field not in CORRECTABLE_FIELDS:
        raise PortalInvalid(fields={"field": _("Choose what to correct.")})
    return change_request_submit(
        customer=customer, field=field, new_value=new_value, reason=reason, acting_user=user
    )


def credit_review_request(*, user: User, customer: Customer, kind: str, message: str) -> Any:
    """Ask for an explanation of the credit grade or a human review of it (PIPL art. 24)."""
    from gridcrm.credit.services import review_request_submit

    _require_portal_user(user)
    return review_request_submit(customer=customer, kind=kind, message=message, acting_user=user)
