"""An open request's station follows its customer's.

Regional queues select requests by ``ServiceRequest.region`` (indexed in the queue's
order). When a customer moves to another supply station, their open requests move to the
new station's queue. The archive tells every follower of ``CUSTOMERS_CHANGED`` which
customers changed, from every write of customer fields (edits, approved change requests,
imports, rule runs), inside that write's transaction; closed requests keep the station
they were worked at.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import OuterRef, Q, Subquery

from gridcrm.archive.selectors import customers_matching
from gridcrm.service.models import ServiceRequest

_STATION_FIELDS = frozenset({"region", "region_id"})


def open_requests_follow_customers(customer_ids: Sequence[int], fields: frozenset[str]) -> None:
    """Move the open requests of these customers to their customer's station, if
    ``fields`` says the station may have changed; one UPDATE."""
    if not fields & _STATION_FIELDS or not customer_ids:
        return
    station = Subquery(
        customers_matching(condition=Q(pk=OuterRef("customer_id"))).values("region_id")[:1]
    )
    (
        ServiceRequest.objects.filter(
            customer_id__in=list(customer_ids), status=ServiceRequest.Status.OPEN
        )
        .exclude(region_id=station)
        .update(region_id=station)
    )
