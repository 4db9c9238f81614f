"""The Prometheus exposition of ``/metrics``.

Two sources, written one after the other in the text format:

- the process's request metrics, kept by django-prometheus' middleware (latency
  histograms by view and method, responses by status). With several gunicorn workers
  each keeps its own; ``PROMETHEUS_MULTIPROC_DIR`` makes them share files, which
  ``prometheus_client``'s multiprocess collector adds up here;
- the installation's state, read from the database at each scrape (``OpsCollector``):
  the job queue, the jobs' and the pipeline's last durations, the workers, the health
  checks. Read per scrape rather than counted in memory, because the work happens in the
  task worker, whose memory the web process cannot see.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from gridcrm.credit.selectors import credit_run_last
from gridcrm.jobs.selectors import job_last_durations, job_queue_depth, workers_alive
from gridcrm.ops.health import health_run

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text format's media type."""


class OpsCollector:
    """The installation's state as gauges, read fresh at every collection."""

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "gridcrm_jobs_queue_depth",
            "Jobs waiting for a worker (queued) or being run (running), by kind.",
            labels=["kind", "status"],
        )
        for (kind, status), n in sorted(job_queue_depth().items()):
            depth.add_metric([kind, status], n)
        yield depth

        durations = GaugeMetricFamily(
            "gridcrm_job_last_duration_seconds",
            "How long the last finished job of each kind ran, from claim to end.",
            labels=["kind"],
        )
        for kind, seconds in job_last_durations().items():
            durations.add_metric([kind], seconds)
        yield durations

        now = timezone.now()
        pipeline_duration = GaugeMetricFamily(
            "gridcrm_pipeline_last_duration_seconds",
            "How long the last completed run of each pipeline took.",
            labels=["pipeline"],
        )
        pipeline_age = GaugeMetricFamily(
            "gridcrm_pipeline_last_run_age_seconds",
            "Seconds since the last completed run of each pipeline was stored.",
            labels=["pipeline"],
        )
        last = credit_run_last()
        if last is not None:
            pipeline_duration.add_metric(["credit_rating"], last[1])
            pipeline_age.add_metric(["credit_rating"], (now - last[0]).total_seconds())
        yield pipeline_duration
        yield pipeline_age

        since = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
        yield GaugeMetricFamily(
            "gridcrm_workers_alive",
            "Task workers that have beaten within the job lease.",
            value=workers_alive(since=since),
        )

        health = GaugeMetricFamily(
            "gridcrm_health_check",
            "1 when the /healthz check passes, 0 when it fails.",
            labels=["check"],
        )
        for result in health_run():
            health.add_metric([result.name], 1 if result.ok else 0)
        yield health


def metrics_text() -> bytes:
    """The whole exposition: the request metrics, then the installation's state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        MultiProcessCollector(requests)  # type: ignore[no-untyped-call]
        head = generate_latest(requests)
    else:
        head = generate_latest(REGISTRY)
    state = CollectorRegistry(auto_describe=False)
    state.register(OpsCollector())
    return head + generate_latest(state)
