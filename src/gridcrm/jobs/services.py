"""Starting jobs, claiming them and reporting their progress.

Each app declares the kinds of job it runs in its own ``tasks.py`` with ``job_runner``;
the jobs app imports every installed app's ``tasks`` module at start-up (as the admin
finds ``admin.py``), so a new kind needs no change here and no migration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gridcrm.core.errors import Conflict, Invalid, Refused
from gridcrm.jobs.models import Job, JobStatus

if TYPE_CHECKING:
    from gridcrm.users.models import User

logger = logging.getLogger(__name__)

JobRunner = Callable[[Job], str]
"""Does a job's work, calling ``job_progress`` as it goes; returns the result file path or ''."""


@dataclass(frozen=True)
class JobKind:
    """A kind of background job: its stored code, its name for people, its runner."""

    code: str
    label: str | Promise
    runner: JobRunner


JOB_KINDS: dict[str, JobKind] = {}


def job_runner(code: str, *, label: str | Promise) -> Callable[[JobRunner], JobRunner]:
    """Declare a job kind and the function that does its work (in an app's ``tasks.py``)."""

    def register(runner: JobRunner) -> JobRunner:
        JOB_KINDS[code] = JobKind(code=code, label=label, runner=runner)
        return runner

    return register


def job_kind_label(code: str) -> str:
    """The kind's name for people; the code itself for a kind no app declares any more."""
    kind = JOB_KINDS.get(code)
    return str(kind.label) if kind else code


def job_start(
    *,
    kind: str,
    acting_user: User,
    params: dict[str, Any] | None = None,
) -> Job:
    """Record a job started by ``acting_user`` and queue its task once the surrounding
    transaction commits. A kind no app declares is refused (``jobs.unknown_kind``).
    """
    from gridcrm.jobs.tasks import run_job

    if kind not in JOB_KINDS:
        raise Invalid(
            _("No job of kind %(kind)s is known.") % {"kind": kind},
            code="jobs.unknown_kind",
            fields={"kind": _("Unknown job kind.")},
        )
    job = Job.objects.create(kind=kind, created_by=acting_user, params=params or {})
    transaction.on_commit(lambda: run_job.enqueue(job_id=job.pk))
    return job


def job_progress(job: Job, *, done: int, total: int | None = None) -> None:
    """Record how far a job has come; cheap enough to call every few thousand rows."""
    job.done = done
    fields = ["done"]
    if total is not None:
        job.total = total
        fields.append("total")
    Job.objects.filter(pk=job.pk).update(**{f: getattr(job, f) for f in fields})


def job_claim(*, job_id: int) -> Job | None:
    """Move a queued job to running and return it, or ``None`` when it is not queued.

    One conditional UPDATE decides: of two workers given the same job, exactly one sees
    its row change, so a job never runs twice.
    """
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    return Job.objects.get(pk=job_id) if claimed else None


def job_execute(*, job_id: int) -> None:
    """Run a queued job to the end, recording success or the failure's message."""
    job = job_claim(job_id=job_id)
    if job is None:
        return  # another worker has it, or a retried task: the work must not run twice
    try:
        kind = JOB_KINDS.get(job.kind)
        if kind is None:
            raise LookupError(f"No runner for job kind {job.kind!r}.")
        result_file = kind.runner(job)
    except Exception as exc:
        logger.exception("job %s failed", job.pk)
        job.status = JobStatus.FAILED
        job.message = str(exc)[:500]
    else:
        job.status = JobStatus.SUCCEEDED
        job.result_file = result_file
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result_file", "finished_at"])


def job_cancel(*, job: Job, acting_user: User) -> Job:
    """Ask a job to stop. Only its author may (``jobs.not_yours``), and only while it has
    not finished (``jobs.finished``). A queued job ends at once, failed as cancelled; a
    running one ends when its runner next looks (a run on Spark within a second,
    ``lake.run_cancelled``); a runner that cannot stop part-way runs to its end."""
    if job.created_by_id != acting_user.pk:
        raise Refused(_("Only who started a job may cancel it."), code="jobs.not_yours")
    Job.objects.filter(pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        cancel_requested=True
    )
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.FAILED,
        message=_("Cancelled before it started."),
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    if not job.cancel_requested:
        raise Conflict(_("This job has already finished."), code="jobs.finished")
    return job
