"""Writes of service requests: create, take, complete a step, note, attach, cancel, and the
timers sweep (warnings, breaches, escalation). Each is one transaction that also writes
the request's timeline events (its audit trail)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.errors import MissingTier1
from gridcrm.archive.selectors import customer_is_visible
from gridcrm.archive.services import customer_require_tier1
from gridcrm.archive.validators import phone_validator
from gridcrm.core import uploads
from gridcrm.service import events
from gridcrm.service.calendar import deadline

# Notices and channels are written in their own modules and offered here with the rest.
from gridcrm.service.delivery import deliveries_send_due as deliveries_send_due
from gridcrm.service.delivery import message_send_now as message_send_now
from gridcrm.service.errors import (
    CustomerNotFound,
    InvalidConfiguration,
    InvalidInput,
    MissingData,
    NotHolder,
    RequestClosed,
    RequestNotFound,
    RequestTaken,
    ServiceRefused,
    StaleRequest,
    StepOutOfOrder,
)

# Who may take and complete a step, and who holds it next, live in their own module.
from gridcrm.service.holding import holder_after as holder_after
from gridcrm.service.holding import may_take as may_take
from gridcrm.service.holding import may_work_on as may_work_on
from gridcrm.service.matrix import Decision, ExtraStep, decide
from gridcrm.service.models import (
    AreaKind,
    Attachment,
    Breach,
    Channel,
    MatrixVersion,
    RegionArea,
    RequestEvent,
    RequestStep,
    RequestType,
    ServiceRequest,
    WorkflowStep,
)
from gridcrm.service.notices import notice_mark_read as notice_mark_read
from gridcrm.service.preferences import channel_preferences_set as channel_preferences_set
from gridcrm.users.roles import Role
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

# Who hears of a breach: the step's owners first, then the marketing manager (领导).
ESCALATION_ROLE = Role.MARKETING_MANAGER.value


def area_for(customer: Customer) -> str:
    """City, rural or remote: the nearest region up the tree that says so; city by default."""
    codes = customer.region.path.split(".")
    found = dict(
        RegionArea.objects.filter(region__code__in=codes).values_list("region__code", "area")
    )
    for code in reversed(codes):
        if code in found:
            return found[code]
    return AreaKind.CITY


def _scaled(value: int, factor: Decimal) -> int:
    return max(1, math.ceil(value * factor))


def _activate(step: RequestStep, *, at: dt.datetime, warn_percent: int) -> None:
    step.status = RequestStep.Status.ACTIVE
    step.started_at = at
    step.due_at = deadline(start=at, unit=step.limit_unit, value=step.limit_value)
    step.warn_at = at + (step.due_at - at) * warn_percent / 100


def _plan_steps(
    workflow: list[WorkflowStep], extra: list[ExtraStep], *, area: str, factor: Decimal
) -> list[RequestStep]:
    steps = [
        RequestStep(
            code=w.code,
            name_zh=w.name_zh,
            name_en=w.name_en,
            owner_role=w.owner_role,
            also_roles=list(w.also_roles),
            limit_unit=w.limit_unit,
            limit_value=_scaled(w.limit_for(area), factor),
        )
        for w in workflow
    ]
    for add in extra:
        step = RequestStep(
            code=add.code,
            name_zh=add.name_zh,
            name_en=add.name_en,
            owner_role=add.owner_role,
            also_roles=[],
            limit_unit=add.limit_unit,
            limit_value=int(add.limit_value),
            from_matrix=True,
        )
        codes = [s.code for s in steps]
        at = codes.index(add.before) if add.before in codes else min(1, len(steps))
        steps.insert(at, step)
    for n, step in enumerate(steps, start=1):
        step.position = n
    return steps


@transaction.atomic
def request_create(
    *,
    customer: Customer,
    request_type: RequestType,
    channel: str,
    summary: str,
    acting_user: User,
    now: dt.datetime | None = None,
    decision: Decision | None = None,
    address: str = "",
    callback_phone: str = "",
) -> ServiceRequest:
    """Open a request: the matrix decides its priority, limits and extra steps; the first
    step starts at once. Refused, changing nothing, when the customer is out of the acting
    user's scope, the type needs tier-1 data the archive lacks, or the input is incomplete
    (a callback number that is no phone number: ``service.invalid_input`` on
    ``callback_phone``)."""
    if not acting_user.has_perm("service.add_servicerequest"):
        raise ServiceRefused(_("Your role may not open service requests."))
    if not customer_is_visible(user=acting_user, customer_id=customer.pk):
        raise CustomerNotFound(_("No such customer."))
    return _open(
        customer=customer,
        request_type=request_type,
        channel=channel,
        summary=summary,
        acting_user=acting_user,
        now=now,
        decision=decision,
        address=address,
        callback_phone=callback_phone,
    )


def _checked_phone(phone: str) -> str:
    phone = phone.strip().replace(" ", "")
    if not phone:
        return ""
    try:
        phone_validator(phone)
    except ValidationError as exc:
        text = " ".join(str(m) for m in exc.messages)
        raise InvalidInput(text, fields={"callback_phone": text}) from exc
    return phone


def _open(
    *,
    customer: Customer,
    request_type: RequestType,
    channel: str,
    summary: str,
    acting_user: User,
    now: dt.datetime | None,
    decision: Decision | None,
    address: str = "",
    callback_phone: str = "",
) -> ServiceRequest:
    """Open a request whose opener has been checked (an agent's role and scope, or a
    customer's own account)."""
    if not request_type.active:
        raise InvalidInput(
            _("This request type is no longer offered."),
            fields={"request_type": _("This request type is no longer offered.")},
        )
    if channel not in Channel.values:
        raise InvalidInput(
            _("Choose the channel the request came through."),
            fields={"channel": _("Choose the channel the request came through.")},
        )
    if not summary.strip():
        raise InvalidInput(
            _("Describe the request in a few words."),
            fields={"summary": _("Describe the request in a few words.")},
        )
    callback_phone = _checked_phone(callback_phone)
    if request_type.needs_tier1:
        try:
            customer_require_tier1(customer=customer, action=request_type.name)
        except MissingTier1 as exc:
            raise MissingData(str(exc), exc.labels) from exc
    workflow = list(request_type.steps.order_by("position"))
    if not workflow:
        raise InvalidConfiguration(_("This request type has no steps; ask an administrator."))
    now = now or timezone.now()
    area = area_for(customer)
    decision = decision or decide(
        customer=customer, request_type=request_type.code, channel=channel
    )
    factor = decision.limit_factor
    steps = _plan_steps(workflow, decision.extra_steps, area=area, factor=factor)
    first = steps[0]
    _activate(first, at=now, warn_percent=request_type.warn_percent)
    request = ServiceRequest.objects.create(
        customer=customer,
        region_id=customer.region_id,
        request_type=request_type,
        channel=channel,
        summary=summary.strip()[:500],
        address=address.strip()[:200],
        callback_phone=callback_phone,
        area=area,
        priority=decision.priority,
        limit_factor=factor,
        package=decision.package,
        matrix_version_id=_version_pk(decision.matrix_version),
        decision=decision.as_json(),
        current_position=first.position,
        current_role=first.owner_role,
        step_due_at=first.due_at,
        due_at=deadline(
            start=now,
            unit=request_type.limit_unit,
            value=_scaled(request_type.limit_for(area), factor),
        ),
        created_by=acting_user,
        created_at=now,
    )
    for step in steps:
        step.request = request
    RequestStep.objects.bulk_create(steps)
    events.request_created(request=request, acting_user=acting_user, at=now)
    return request


def _version_pk(number: int | None) -> int | None:
    if number is None:
        return None
    return MatrixVersion.objects.filter(number=number).values_list("pk", flat=True).first()


def _locked(request: ServiceRequest, acting_user: User) -> ServiceRequest:
    """The request, locked, if the acting user may see its customer (``RequestNotFound``
    otherwise)."""
    if not customer_is_visible(user=acting_user, customer_id=request.customer_id):
        raise RequestNotFound(_("No such service request."))
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def current_step(request: ServiceRequest) -> RequestStep | None:
    if request.current_position is None:
        return None
    return request.steps.filter(position=request.current_position).first()


@transaction.atomic
def request_take(
    *, request: ServiceRequest, acting_user: User, now: dt.datetime | None = None
) -> ServiceRequest:
    """Take a request from the queue; one person at a time holds it, and only one of the
    current step's owner role (``may_take``)."""
    request = _locked(request, acting_user)
    if request.status != ServiceRequest.Status.OPEN:
        raise RequestClosed(_("This request is closed."))
    step = current_step(request)
    if step is None or not may_take(user=acting_user, step=step):
        raise ServiceRefused(_("The current step belongs to another role."))
    if request.assignee_id == acting_user.pk:
        return request
    if request.assignee_id is not None:
        raise RequestTaken(
            _("%(name)s has already taken this request.") % {"name": request.assignee}
        )
    now = now or timezone.now()
    request.assignee = acting_user
    request.version += 1
    request.save(update_fields=["assignee", "version"])
    events.request_taken(request=request, step=step, acting_user=acting_user, at=now)
    return request


@transaction.atomic
def request_release(
    *, request: ServiceRequest, acting_user: User, now: dt.datetime | None = None
) -> ServiceRequest:
    """Put a taken request back into its queue."""
    request = _locked(request, acting_user)
    if request.assignee_id != acting_user.pk:
        raise NotHolder(_("Only the person who took a request can release it."))
    request.assignee = None
    request.version += 1
    request.save(update_fields=["assignee", "version"])
    events.request_released(request=request, acting_user=acting_user, at=now or timezone.now())
    return request


@transaction.atomic
def request_step_complete(
    *,
    request: ServiceRequest,
    step_code: str,
    acting_user: User,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """Complete the current step and start the next (or close the request after the last).

    The next step is held by whom ``holder_after`` says: as a rule nobody, so that it
    waits in the queue of its owner role. The acting user must own the step (or be allowed
    to complete it) and either hold the request or find it unheld.
    Naming a step other than the current one is refused (``StepOutOfOrder``) and changes
    nothing; so is a stale ``expected_version`` (``StaleRequest``)."""
    request = _locked(request, acting_user)
    if expected_version is not None and expected_version != request.version:
        raise StaleRequest(
            _("Someone else changed this request while you were working on it; reload it.")
        )
    if request.status != ServiceRequest.Status.OPEN:
        raise RequestClosed(_("This request is closed."))
    step = current_step(request)
    if step is None:  # an open request always has a current step
        raise RequestClosed(_("This request has no current step."))
    if step_code != step.code:
        named = request.steps.filter(code=step_code).first()
        raise StepOutOfOrder(
            _("“%(named)s” is not the current step; the current step is “%(current)s”.")
            % {"named": named.name if named else step_code, "current": step.name}
        )
    if not may_work_on(user=acting_user, role=step.owner_role, also=step.also_roles):
        raise ServiceRefused(_("The current step belongs to another role."))
    if request.assignee_id not in (None, acting_user.pk):
        raise RequestTaken(
            _("%(name)s has taken this request; ask them to release it.")
            % {"name": request.assignee}
        )
    now = now or timezone.now()
    step.status = RequestStep.Status.DONE
    step.completed_at = now
    step.completed_by = acting_user
    step.note = note.strip()[:500]
    step.save(update_fields=["status", "completed_at", "completed_by", "note"])
    events.request_step_done(request=request, step=step, acting_user=acting_user, at=now)
    following = request.steps.filter(position__gt=step.position).order_by("position").first()
    fields = ["current_position", "current_role", "step_due_at", "assignee", "version"]
    if following is None:
        request.status = ServiceRequest.Status.DONE
        request.closed_at = now
        request.current_position = None
        request.current_role = ""
        request.step_due_at = None
        request.assignee = None
        fields += ["status", "closed_at"]
        events.request_closed(request=request, acting_user=acting_user, at=now)
    else:
        _activate(following, at=now, warn_percent=request.request_type.warn_percent)
        following.save(update_fields=["status", "started_at", "due_at", "warn_at"])
        request.current_position = following.position
        request.current_role = following.owner_role
        request.step_due_at = following.due_at
        request.assignee = holder_after(done=step, following=following, holder=acting_user)
    request.version += 1
    request.save(update_fields=fields)
    return request


@transaction.atomic
def request_note_add(
    *, request: ServiceRequest, acting_user: User, text: str, now: dt.datetime | None = None
) -> RequestEvent:
    if not acting_user.has_perm("service.work_servicerequest"):
        raise ServiceRefused(_("Your role may not work on service requests."))
    if not text.strip():
        raise InvalidInput(_("Write the note first."), fields={"text": _("Write the note first.")})
    return events.request_note_added(
        request=request, text=text.strip(), acting_user=acting_user, at=now or timezone.now()
    )


@transaction.atomic
def request_attach(
    *, request: ServiceRequest, acting_user: User, upload: UploadedFile
) -> Attachment:
    if not acting_user.has_perm("service.work_servicerequest"):
        raise ServiceRefused(_("Your role may not work on service requests."))
    uploads.check_size(upload, uploads.ATTACHMENT)
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    attachment = Attachment.objects.create(
        request=request, file=upload, name=name, uploaded_by=acting_user
    )
    events.request_attached(request=request, name=name, acting_user=acting_user, at=timezone.now())
    return attachment


@transaction.atomic
def request_cancel(
    *, request: ServiceRequest, acting_user: User, reason: str, now: dt.datetime | None = None
) -> ServiceRequest:
    request = _locked(request, acting_user)
    if request.status != ServiceRequest.Status.OPEN:
        raise RequestClosed(_("This request is closed."))
    if not acting_user.has_perm("service.work_servicerequest"):
        raise ServiceRefused(_("Your role may not work on service requests."))
    if not reason.strip():
        raise InvalidInput(
            _("Give a reason for the cancellation."),
            fields={"reason": _("Give a reason for the cancellation.")},
        )
    now = now or timezone.now()
    request.steps.filter(status__in=["active", "pending"]).update(status=RequestStep.Status.SKIPPED)
    request.status = ServiceRequest.Status.CANCELLED
    request.closed_at = now
    request.current_position = None
    request.current_role = ""
    request.step_due_at = None
    request.assignee = None
    request.version += 1
    request.save()
    events.request_cancelled(
        request=request, reason=reason.strip(), acting_user=acting_user, at=now
    )
    return request


# --- timers ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    escalated: int = 0


def timers_sweep(*, now: dt.datetime | None = None, batch_size: int = 500) -> SweepResult:
    """Warn before limits, record breaches and escalate; safe to run again at any time.

    Each step is warned once and breached once (unique constraints make a concurrent
    second sweep harmless); a request whose total limit passes is breached once more and
    escalated a second level."""
    now = now or timezone.now()
    result = SweepResult()
    warn = RequestStep.objects.filter(
        status=RequestStep.Status.ACTIVE, warn_at__lte=now, warned_at__isnull=True, due_at__gt=now
    ).select_related("request")
    for step in warn[: batch_size * 20]:
        with transaction.atomic():
            if RequestStep.objects.filter(pk=step.pk, warned_at__isnull=True).update(warned_at=now):
                events.request_warned(request=step.request, step=step, at=now)
                result.warned += 1
    late = RequestStep.objects.filter(status=RequestStep.Status.ACTIVE, due_at__lte=now).exclude(
        pk__in=Breach.objects.filter(step__isnull=False).values("step_id")
    )
    for step in late.select_related("request")[: batch_size * 20]:
        if _breach(step.request, step=step, due_at=step.due_at or now, now=now, level=1):
            result.breached += 1
            result.escalated += 1
    total_late = ServiceRequest.objects.filter(
        status=ServiceRequest.Status.OPEN, due_at__lte=now
    ).exclude(pk__in=Breach.objects.filter(step__isnull=True).values("request_id"))
    for request in total_late[: batch_size * 20]:
        if _breach(request, step=None, due_at=request.due_at, now=now, level=2):
            result.breached += 1
            result.escalated += 1
    return result


def _breach(
    request: ServiceRequest,
    *,
    step: RequestStep | None,
    due_at: dt.datetime,
    now: dt.datetime,
    level: int,
) -> bool:
    try:
        with transaction.atomic():
            Breach.objects.create(
                request=request,
                step=step,
                owner_role=step.owner_role if step else request.current_role,
                due_at=due_at,
                detected_at=now,
                escalated_to=ESCALATION_ROLE,
            )
            events.request_breached(request=request, step=step, at=now)
            ServiceRequest.objects.filter(pk=request.pk, escalation_level__lt=level).update(
                escalation_level=level, version=F("version") + 1
            )
            events.request_escalated(request=request, step=step, to_role=ESCALATION_ROLE, at=now)
    except IntegrityError:
        return False  # another sweep recorded it first
    return True


def request_hold(*, request: ServiceRequest, acting_user: User) -> ServiceRequest:
    """The request read afresh and row-locked until the caller's transaction ends, so its
    step cannot move meanwhile: for a follower (the key-account feedback call) that writes
    about the request's current step and may then complete it. Call inside
    ``transaction.atomic``. ``NotFound`` when ``acting_user`` may not see the customer."""
    from gridcrm.archive.selectors import customer_is_visible
    from gridcrm.core.errors import NotFound

    if not customer_is_visible(user=acting_user, customer_id=request.customer_id):
        raise NotFound(_("No such request."), code="service.request_not_found")
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


# --- requests from the customer (the portal) ------------------------------------------------


def _customer_holds(acting_user: User, customer: Customer) -> bool:
    roles = user_roles(user=acting_user)
    return (
        acting_user.is_active
        and roles == frozenset({Role.CUSTOMER})
        and customer_is_visible(user=acting_user, customer_id=customer.pk)
    )


@transaction.atomic
def request_create_by_customer(
    *,
    customer: Customer,
    request_type: RequestType,
    summary: str,
    acting_user: User,
    fast_channel: bool = False,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """A customer files a request for an account they hold: it enters the same workflow,
    matrix and queues as an agent's, through the portal channel (or the key-account fast
    channel). Anyone else, or another account, is ``CustomerNotFound``."""
    if not _customer_holds(acting_user, customer):
        raise CustomerNotFound(_("No such customer."))
    return _open(
        customer=customer,
        request_type=request_type,
        channel=Channel.FAST_CHANNEL if fast_channel else Channel.PORTAL,
        summary=summary,
        acting_user=acting_user,
        now=now,
        decision=None,
    )


@transaction.atomic
def request_rate(
    *,
    request: ServiceRequest,
    rating: int,
    comment: str,
    acting_user: User,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """The customer rates a closed request of an account they hold, once (1–5 and a
    comment); the rating shows on the request and in the satisfaction report."""
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if not _customer_holds(acting_user, request.customer):
        raise RequestNotFound(_("No such request."))
    if request.status != ServiceRequest.Status.DONE:
        raise RequestClosed(_("A request can be rated once it is done."), code="service.not_done")
    if request.rating is not None:
        raise RequestClosed(_("This request has been rated."), code="service.already_rated")
    if rating not in range(1, 6):
        raise InvalidInput(
            _("Choose from 1 to 5 stars."), fields={"rating": _("Choose from 1 to 5 stars.")}
        )
    now = now or timezone.now()
    request.rating = rating
    request.rating_comment = comment.strip()[:500]
    request.rated_at = now
    request.save(update_fields=["rating", "rating_comment", "rated_at"])
    events.request_rated(request=request, acting_user=acting_user, at=now)
    return request
