"""An unplanned outage (故障停电) reported to the service app: the customers behind the
failed equipment are told at once through the ordinary notice path, and one fault-repair
request is opened. The grid app calls this when staff enter the outage."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from gridcrm.service.errors import InvalidConfiguration
from gridcrm.service.models import Notice, RequestType
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.service.services import request_create

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.service.models import ServiceRequest
    from gridcrm.users.models import User

FAULT_REPAIR = "fault_repair"


@transaction.atomic
def fault_outage_report(
    *,
    targets: list[Target],
    title: str,
    body: str,
    started_at: dt.datetime,
    repair_customer: Customer,
    acting_user: User,
    now: dt.datetime | None = None,
) -> tuple[Notice, ServiceRequest]:
    """Publish an unplanned-outage notice to ``targets`` (lines or transformers) now, and
    open a fault-repair request (phone channel) on ``repair_customer``; both or neither.
    Refused with the notice's and the request's own errors (permissions, scope)."""
    repair = RequestType.objects.filter(code=FAULT_REPAIR, active=True).first()
    if repair is None:
        raise InvalidConfiguration(_("There is no active fault-repair request type."))
    notice = notice_create(
        kind=Notice.Kind.FAULT,
        topic=Notice.Topic.OUTAGE,
        title=title,
        body=body,
        targets=targets,
        outage_start=started_at,
        acting_user=acting_user,
    )
    notice = notice_publish(notice=notice, acting_user=acting_user, now=now)
    request = request_create(
        customer=repair_customer,
        request_type=repair,
        channel="phone",
        summary=title,
        acting_user=acting_user,
        now=now,
    )
    return notice, request
