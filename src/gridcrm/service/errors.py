"""Errors of the service app: each is one of the four kinds of ``gridcrm.core.errors`` with a
stable ``service.*`` code, and a message fit to show the person. Nothing was changed."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.functional import Promise

from gridcrm.core.errors import Conflict, Invalid, NotFound, Refused


class ServiceRefused(Refused):
    """The person's role may not do this (open, work on, publish, decide …)."""

    code = "service.refused"


class DeliveriesRefused(Refused):
    """Only roles that write notices read delivery logs."""

    code = "service.deliveries_refused"


class NoticeOutOfScope(Refused):
    """A scoped author named a region, station, transformer area or customer outside their
    region; nothing was written or sent."""

    code = "service.notice_out_of_scope"


class NotHolder(Refused):
    """Only the person who took a request may release it."""

    code = "service.not_holder"


class SecondPersonNeeded(Refused):
    """Four eyes: who asked for grace may not decide on it."""

    code = "service.second_person_needed"


class StepOutOfOrder(Conflict):
    """The step named is not the request's current step."""

    code = "service.step_out_of_order"


class StaleRequest(Conflict):
    """Someone else changed the request since it was read."""

    code = "service.stale_request"


class RequestClosed(Conflict):
    """The request is done or cancelled."""

    code = "service.request_closed"


class RequestTaken(Conflict):
    """Someone else holds the request."""

    code = "service.request_taken"


class NoticeState(Conflict):
    """The notice is not in the state the action needs (publish a draft, withdraw a
    published one)."""

    code = "service.notice_state"


class GraceState(Conflict):
    """The bill already has grace asked or granted, or the request is already decided."""

    code = "service.grace_state"


class InvalidConfiguration(Invalid):
    """A workflow, matrix or notice that would not make sense; ``fields`` says where."""

    code = "service.invalid_configuration"


class InvalidInput(Invalid):
    """What was typed for a request, a note, a cancellation or a grace is wrong or missing."""

    code = "service.invalid_input"


class MissingData(Invalid):
    """The request type needs tier-1 fields the archive lacks; ``labels`` names them."""

    code = "service.missing_data"

    def __init__(self, message: str | Promise, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        super().__init__(message)


class OutageTooSoon(Invalid):
    """A planned outage must be announced at least seven days ahead."""

    code = "service.outage_too_soon"


class NoAudience(Invalid):
    """No customer is under an outage notice's audience."""

    code = "service.no_audience"


class NoGrace(Invalid):
    """The customer's credit policy grants no grace, or not that much."""

    code = "service.no_grace"


class UnknownRegion(Invalid):
    """No region has the code given."""

    code = "service.unknown_region"


class UnknownRequestType(Invalid):
    """No request type has the code given."""

    code = "service.unknown_request_type"


class RequestNotFound(NotFound):
    """No such request, or its customer is outside the caller's scope."""

    code = "service.request_not_found"


class GraceNotFound(NotFound):
    """No such grace request, or its customer is outside the caller's scope."""

    code = "service.grace_not_found"


class CustomerNotFound(NotFound):
    """The customer is outside the caller's scope."""

    code = "service.customer_not_found"


class ChannelFailed(Conflict):
    """The channel could not carry the message now (not configured, the gateway refused
    or is down); the try is in the delivery log."""

    code = "service.channel_failed"


class NoticeNotFound(NotFound):
    """No such published notice for this customer, or the customer is out of scope."""

    code = "service.notice_not_found"


class CallbackRefused(Refused):
    """A delivery callback without a valid, fresh signature."""

    code = "service.callback_refused"


class DeliveryNotFound(NotFound):
    """No message was sent with the key a delivery callback names."""

    code = "service.delivery_not_found"
