"""``gridcrm worker``: the task worker (django-tasks' ``db_worker``, same options), which
first marks the jobs whose earlier worker died as interrupted and lets each app repair
what they left (``WORKER_RECOVERY``), then beats for as long as it runs (``WorkerBeat``,
read by ``/healthz``)."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from gridcrm.core.extensions import WORKER_RECOVERY
from gridcrm.jobs.services import WorkerHeartbeat, jobs_reap_stale


class Command(DbWorker):
    help = "Run background jobs; first mark those whose worker died as interrupted."

    def handle(self, *args: Any, **options: Any) -> None:
        reaped = jobs_reap_stale()
        if reaped:
            self.stderr.write(f"{reaped} job(s) interrupted by a stopped worker.")
        for recover in WORKER_RECOVERY:
            recover()
        with WorkerHeartbeat():
            super().handle(*args, **options)
