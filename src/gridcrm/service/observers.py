"""Telling other apps of every request event, without the service app knowing them.

Observers register in ``gridcrm.core.extensions.REQUEST_OBSERVERS``. Each is called with
every event a write of a request records (created, taken, step done, closed, warned,
breached …), inside that write's transaction: whatever the observer writes is kept or
rolled back with the request, and an observer that raises a ``DomainError`` refuses the
write — nothing of it is kept. The key-account app uses it to keep a key account's
managers informed at every step and to hold a fast-channel request open until its
feedback call is recorded.
"""

from __future__ import annotations

from gridcrm.core.extensions import REQUEST_OBSERVERS
from gridcrm.service.models import RequestEvent, ServiceRequest


def request_event_observed(*, request: ServiceRequest, event: RequestEvent) -> None:
    """Tell every observer of an event just recorded."""
    for observer in REQUEST_OBSERVERS:
        observer(request, event)
