"""Long-running work that people start and watch: imports, exports, batches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    # The worker running it stopped (killed, machine down) before it finished.
    INTERRUPTED = "interrupted", _("Interrupted")


class Job(models.Model):
    """One run of a background task, with the progress the UI shows."""

    # The kinds are declared by the apps (``job_runner`` in their tasks.py), not here.
    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    params = models.JSONField(default=dict, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result_file = models.CharField(max_length=255, blank=True)
    # Set by ``job_cancel``; a runner that can stop part-way (a run on Spark) looks at it.
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When the result file was deleted at the end of its retention; the job stays.
    files_expired_at = models.DateTimeField(_("file expired"), null=True, blank=True)
    # Which process runs it ("host:pid") and when it last said it is alive: a running
    # job whose heartbeat is older than the lease, or whose process is gone, was cut off.
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        permissions = [("purge_files", _("Can delete expired files"))]
        # The operations metrics read these at every scrape (``gridcrm.ops``): the queue
        # depth by status and kind, and each kind's last finished job, without a scan.
        indexes = [
            models.Index(fields=["status", "kind"], name="jobs_job_status_kind"),
            models.Index(fields=["kind", "finished_at"], name="jobs_job_kind_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_kind_display(self) -> str:
        from gridcrm.jobs.services import job_kind_label

        return job_kind_label(self.kind)

    @property
    def percent(self) -> int:
        """Progress as a whole percentage; a finished job is at 100."""
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.INTERRUPTED}


class WorkerBeat(models.Model):
    """A running ``gridcrm worker`` process and when it last said it is alive (every
    ``GRIDCRM_JOB_HEARTBEAT_SECONDS``, idle or not); removed when it stops cleanly. The
    health check reads the newest one: a job's own heartbeat exists only while it runs."""

    worker = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        permissions = [("view_metrics", _("Can read the operations metrics"))]

    def __str__(self) -> str:
        return f"{self.worker} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class JobEvent(AuditEvent):
    """The audit trail of the jobs app: expired files deleted. Written only through
    ``gridcrm.jobs.events``."""

    class Kind(models.TextChoices):
        FILES_PURGED = "files_purged", _("Expired files deleted")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)

    class Meta(AuditEvent.Meta):
        verbose_name = _("job event")
        verbose_name_plural = _("job events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
