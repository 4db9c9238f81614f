"""A seam for other apps to follow service requests without the service app knowing them.

An observer is called with every event a write of a request records (created, taken,
step done, closed, warned, breached …), inside that write's transaction: whatever the
observer writes is kept or rolled back with the request, and an observer that raises
``ServiceError`` refuses the write — nothing of it is kept. The key-account app uses it to
keep a key account's managers informed at every step and to hold a fast-channel request
open until its feedback call is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from gridcrm.service.models import RequestEvent, ServiceRequest

RequestObserver = Callable[[ServiceRequest, RequestEvent], None]
_observers: list[RequestObserver] = []


def request_observer_add(observer: RequestObserver) -> None:
    """Register an observer (once; registering it again changes nothing)."""
    if observer not in _observers:
        _observers.append(observer)


def request_event_observed(*, request: ServiceRequest, event: RequestEvent) -> None:
    """Tell every observer of an event just recorded."""
    for observer in _observers:
        observer(request, event)
