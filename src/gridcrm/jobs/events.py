"""The jobs app's audit trail: one named function per thing that happens.

Only the jobs services call these, inside the transaction of the change they record.
``acting_user`` is empty when the system (a command) did it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridcrm.jobs.models import JobEvent

if TYPE_CHECKING:
    from gridcrm.users.models import User

Kind = JobEvent.Kind


def files_purged(
    *, deleted: dict[str, int], keep_days: dict[str, int], acting_user: User | None
) -> JobEvent:
    """Expired files were deleted: how many of each kind, and the days each kind is kept."""
    return JobEvent.objects.create(
        kind=Kind.FILES_PURGED,
        acting_user=acting_user,
        details={"deleted": deleted, "keep_days": keep_days},
    )
