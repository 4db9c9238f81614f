"""Who may work on a step of a request, and who holds the request when a step is done.

A request is held by one person at a time (``ServiceRequest.assignee``) or waits unheld in
the queue of its current step's owner role. The rules are here, apart from the writes
that apply them (``services``), so that pages and the API ask the same questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.service.models import RequestStep
    from gridcrm.users.models import User


def may_work_on(*, user: User, role: str, also: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether the user holds the owner role of a step (or one allowed to complete it)."""
    if not user.is_active or not user.has_perm("service.work_servicerequest"):
        return False
    roles = {r.value for r in user_roles(user=user)}
    return role in roles or bool(roles & set(also))


def may_take(*, user: User, step: RequestStep) -> bool:
    """Whether the user may take a request at ``step`` from its queue: only its owner
    role. A role that may also complete the step (an agent recording a crew's report
    taken on the phone) records it without taking the request out of the owners' queue."""
    return may_work_on(user=user, role=step.owner_role)


def holder_after(*, done: RequestStep, following: RequestStep, holder: User) -> User | None:
    """Who holds a request once ``done`` is complete and ``following`` starts.

    The request goes back to a queue, the next step's owner role's, unheld; only when
    the next step belongs to the same role as the one just done and ``holder`` holds
    that role themselves (a collector's survey, then the same collector's connection)
    do they go on with it. A role allowed to *complete* a step (``also_roles``) never
    carries the request into the next one: that is what left a fault repair with the
    agent who dispatched it, out of reach of the collector whose step it was."""
    if following.owner_role == done.owner_role and may_take(user=holder, step=following):
        return holder
    return None
