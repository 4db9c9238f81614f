"""Starting jobs, claiming them and reporting their progress.

Each app declares the kinds of job it runs in its own ``tasks.py`` with ``job_runner``;
the jobs app imports every installed app's ``tasks`` module at start-up (as the admin
finds ``admin.py``), so a new kind needs no change here and no migration.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gridcrm.core import retention
from gridcrm.core.errors import Conflict, Invalid, Refused
from gridcrm.core.extensions import FILE_PURGERS
from gridcrm.core.files import stored_name
from gridcrm.jobs import events
from gridcrm.jobs.models import Job, JobStatus, WorkerBeat

if TYPE_CHECKING:
    from gridcrm.users.models import User

logger = logging.getLogger(__name__)

JobRunner = Callable[[Job], str]
"""Does a job's work, calling ``job_progress`` as it goes; returns the result file path or ''."""


@dataclass(frozen=True)
class JobKind:
    """A kind of background job: its stored code, its name for people, its runner, and
    what its result file is for retention (``exports`` or ``rejects``)."""

    code: str
    label: str | Promise
    runner: JobRunner
    keeps: str = retention.EXPORTS


JOB_KINDS: dict[str, JobKind] = {}


def job_runner(
    code: str, *, label: str | Promise, keeps: str = retention.EXPORTS
) -> Callable[[JobRunner], JobRunner]:
    """Declare a job kind and the function that does its work (in an app's ``tasks.py``);
    ``keeps``: the retention kind of its result file (``gridcrm.core.retention``)."""
    if keeps not in retention.KINDS:
        raise ValueError(f"unknown retention kind {keeps!r}")

    def register(runner: JobRunner) -> JobRunner:
        JOB_KINDS[code] = JobKind(code=code, label=label, runner=runner, keeps=keeps)
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


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(worker: str) -> bool:
    """Whether ``worker`` ("host:pid") was a process on this machine that has ended."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's worker: only its lease can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def jobs_reap_stale() -> int:
    """Mark as interrupted every running job whose worker stopped: its heartbeat is older
    than the lease (``GRIDCRM_JOB_LEASE_SECONDS``), or its process on this machine is
    gone. Returns how many. A job's own work is all-or-nothing per step (see
    docs/architecture.md, "Crash safety"), so the job can simply be run again
    (``job_rerun``)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    running = Job.objects.filter(status=JobStatus.RUNNING)
    expired = running.filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    ids = set(expired.values_list("pk", flat=True))
    ids.update(pk for pk, worker in running.values_list("pk", "worker") if _process_gone(worker))
    if not ids:
        return 0
    for job_id in sorted(ids):
        logger.warning("job %s was interrupted: its worker stopped", job_id)
    return Job.objects.filter(pk__in=ids, status=JobStatus.RUNNING).update(
        status=JobStatus.INTERRUPTED,
        finished_at=now,
        message=_("The worker running this job stopped before it finished; run it again."),
    )


def job_claim(*, job_id: int) -> Job | None:
    """Move a queued job to running and return it, or ``None`` when it is not queued.

    One conditional UPDATE decides: of two workers given the same job, exactly one sees
    its row change, so a job never runs twice. The row records the claiming process and
    its first heartbeat.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, worker=_worker_id()
    )
    return Job.objects.get(pk=job_id) if claimed else None


class _Heartbeat:
    """Says every ``GRIDCRM_JOB_HEARTBEAT_SECONDS`` that a running job is alive, from a
    thread of its own, so that a long step without progress reports keeps its lease."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}", daemon=True)

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # The job's own write may hold SQLite's lock; the next beat tries again.
                    logger.info("heartbeat of job %s skipped", self.job_id)
        finally:
            connections.close_all()  # this thread's own connections


def job_execute(*, job_id: int) -> None:
    """Run a queued job to the end, recording success or the failure's message.

    Jobs whose worker died are marked interrupted first (``jobs_reap_stale``)."""
    jobs_reap_stale()
    job = job_claim(job_id=job_id)
    if job is None:
        return  # another worker has it, or a retried task: the work must not run twice
    try:
        kind = JOB_KINDS.get(job.kind)
        if kind is None:
            raise LookupError(f"No runner for job kind {job.kind!r}.")
        with _Heartbeat(job.pk):
            result_file = kind.runner(job)
    except Exception as exc:
        logger.exception("job %s failed", job.pk)
        job.status = JobStatus.FAILED
        job.message = str(exc)[:500]
    else:
        job.status = JobStatus.SUCCEEDED
        job.result_file = stored_name(result_file)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result_file", "finished_at"])


# -- the worker's own heartbeat ------------------------------------------------------------


def worker_beat(*, worker: str | None = None, started_at: dt.datetime | None = None) -> None:
    """Record that the task worker ``worker`` ("host:pid", this process by default) is
    alive now. Called by ``gridcrm worker`` every ``GRIDCRM_JOB_HEARTBEAT_SECONDS``
    (``WorkerHeartbeat``), idle or busy; the health check reads the newest beat."""
    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker=worker or _worker_id(),
        defaults={"seen_at": now},
        create_defaults={"seen_at": now, "started_at": started_at or now},
    )


def worker_gone(*, worker: str | None = None) -> None:
    """Forget a worker that stops cleanly, and the beats of workers silent for a day (a
    killed one never says goodbye): the table holds the live workers and few others."""
    cutoff = timezone.now() - timedelta(days=1)
    WorkerBeat.objects.filter(Q(worker=worker or _worker_id()) | Q(seen_at__lt=cutoff)).delete()


class WorkerHeartbeat:
    """Beats for the whole life of a worker process from a thread of its own: the worker's
    loop sleeps between polls and runs a job's steps without returning, so it cannot beat
    itself. A missed beat (SQLite locked by the job's own write) is tried again later."""

    def __init__(self) -> None:
        self.worker = _worker_id()
        self.started_at = timezone.now()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="worker-beat", daemon=True)

    def __enter__(self) -> WorkerHeartbeat:
        worker_beat(worker=self.worker, started_at=self.started_at)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        try:
            worker_gone(worker=self.worker)
        except DatabaseError:
            # The database is gone too: the beat simply ages, as a killed worker's does.
            logger.info("worker %s stopped without removing its heartbeat", self.worker)

    def _beat(self) -> None:
        try:
            while not self.stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    worker_beat(worker=self.worker, started_at=self.started_at)
                except DatabaseError:
                    logger.info("heartbeat of worker %s skipped", self.worker)
        finally:
            connections.close_all()  # this thread's own connections


# -- retention ----------------------------------------------------------------------------

PURGE_FILES = "purge_files"
"""The job kind that deletes expired files (declared in jobs/tasks.py)."""


def job_results_purge(cutoffs: Mapping[str, dt.datetime]) -> dict[str, int]:
    """Delete the result files of jobs finished before the cutoff of their kind's
    retention (``JobKind.keeps``) and mark the jobs: their download then says expired."""
    deleted = dict.fromkeys(retention.KINDS, 0)
    finished = Job.objects.exclude(result_file="").filter(
        files_expired_at__isnull=True, finished_at__isnull=False
    )
    now = timezone.now()
    for job in finished.iterator():
        kind = JOB_KINDS.get(job.kind)
        keeps = kind.keeps if kind else retention.EXPORTS
        if job.finished_at is None or job.finished_at >= cutoffs[keeps]:
            continue
        if retention.remove(job.result_file):
            deleted[keeps] += 1
        Job.objects.filter(pk=job.pk).update(files_expired_at=now)
    return deleted


@transaction.atomic
def files_purge(*, acting_user: User | None, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete every app's files past their retention and mark their records expired;
    record how many of each kind went (``JobEvent`` ``files_purged``). Returns the counts.

    ``acting_user`` is who ran it (empty from the command line). Refused for a person
    without ``jobs.purge_files`` (``jobs.may_not_purge``)."""
    if acting_user is not None and not acting_user.has_perm("jobs.purge_files"):
        raise Refused(_("Your role may not delete expired files."), code="jobs.may_not_purge")
    cutoffs = retention.cutoffs(now or timezone.now())
    deleted = dict.fromkeys(retention.KINDS, 0)
    for purger in FILE_PURGERS:
        for kind, count in purger(cutoffs).items():
            deleted[kind] += count
    events.files_purged(
        deleted=deleted, keep_days=dict(settings.KEEP_DAYS), acting_user=acting_user
    )
    logger.info("expired files deleted: %s", deleted)
    return deleted


def files_purge_start(*, acting_user: User) -> Job:
    """Queue the deletion of expired files as a job (the jobs page's button)."""
    if not acting_user.has_perm("jobs.purge_files"):
        raise Refused(_("Your role may not delete expired files."), code="jobs.may_not_purge")
    return job_start(kind=PURGE_FILES, acting_user=acting_user)


def files_purge_job(job: Job) -> str:
    """The purge as a job: the counts go in its message; it leaves no file."""
    deleted = files_purge(acting_user=job.created_by)
    job.message = (
        _("Deleted %(uploads)s uploads, %(rejects)s reject files and %(exports)s exports.")
        % deleted
    )
    return ""


@transaction.atomic
def job_rerun(*, job: Job, acting_user: User) -> Job:
    """Queue the same work as a failed or interrupted job again, as a new job.

    Every kind's work is safe to repeat: what the first run committed is found in place
    and not written twice. Only the job's author may (``jobs.not_yours``), and only a job
    that ended without success (``jobs.not_rerunnable``)."""
    if job.created_by_id != acting_user.pk:
        raise Refused(_("Only who started a job may run it again."), code="jobs.not_yours")
    if job.status not in {JobStatus.FAILED, JobStatus.INTERRUPTED}:
        raise Conflict(
            _("Only a failed or interrupted job can be run again."), code="jobs.not_rerunnable"
        )
    return job_start(kind=job.kind, acting_user=acting_user, params=dict(job.params))


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
