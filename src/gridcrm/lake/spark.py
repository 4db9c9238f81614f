"""The Spark engine: one SparkSession per process, on ``local[2]`` or a cluster.

``GRIDCRM_SPARK_MASTER`` names the master: ``local[2]`` (default, in-process) or a
standalone cluster, ``spark://host:7077`` (several masters with ZooKeeper recovery:
``spark://m1:7077,m2:7077``). Executors read the lake at ``GRIDCRM_LAKE`` themselves, so
on a cluster it must be a location every machine sees (a shared folder, ``hdfs://…`` or
``s3a://…``; docs/scaling.md).

A run on a cluster goes through ``spark_run``: its Spark jobs carry one job group, so
that a cancelled GridCRM job cancels them (``SparkContext.cancelJobGroup``), their
progress is read from Spark's status tracker, and a master that stops answering fails
the run with ``lake.cluster_unreachable`` instead of leaving it waiting.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Event as Signal  # not an audit "Event" (tests/architecture)
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.translation import gettext as _

from gridcrm.env import env_str
from gridcrm.lake.errors import ClusterUnreachable, RunCancelled

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

WATCH_SECONDS = 0.5
"""How often a run looks at the master, the cancel flag and Spark's progress."""

_lock = threading.Lock()


class _Current:
    """The process's session and the master it is on (one holder, no ``global``)."""

    session: SparkSession | None = None
    master = ""


_current = _Current()


def master_url() -> str:
    return env_str("GRIDCRM_SPARK_MASTER", "local[2]")


def master_addresses(url: str) -> list[tuple[str, int]]:
    """(host, port) of each master of a ``spark://`` URL; none for ``local[…]``."""
    if not url.startswith("spark://"):
        return []
    addresses = []
    for part in url.removeprefix("spark://").split(","):
        host, _sep, port = part.strip().rpartition(":")
        addresses.append((host or part, int(port) if port.isdigit() else 7077))
    return addresses


def master_reachable(url: str, *, timeout: float = 2.0) -> bool:
    """Whether any master of ``url`` accepts a connection (always true for local)."""
    addresses = master_addresses(url)
    for host, port in addresses:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            continue
    return not addresses


def _unreachable(url: str) -> ClusterUnreachable:
    return ClusterUnreachable(
        _("The Spark cluster at %(master)s does not answer; nothing was changed.") % {"master": url}
    )


def spark_session() -> SparkSession:
    """The process's one SparkSession on ``GRIDCRM_SPARK_MASTER``.

    Starting Spark takes seconds, so it is made once and shared; a session on another
    master than the one now configured is stopped first. On a cluster, the master is
    asked first: when it does not answer, ``lake.cluster_unreachable`` at once, not
    Spark's minute of registration retries.
    """
    from pyspark.sql import SparkSession

    url = master_url()
    with _lock:
        if _current.session is not None and _current.master == url:
            if not master_reachable(url):
                _stop_locked()
                raise _unreachable(url)
            return _current.session
        if not master_reachable(url):
            raise _unreachable(url)  # and the session on the old master, if any, stays
        _stop_locked()
        var = Path(settings.VAR_DIR)
        builder: Any = (
            SparkSession.builder.master(url)
            .appName("gridcrm")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", str(var / "spark-warehouse"))
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.local.dir", str(var / "spark-tmp"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.shuffle.partitions", os.environ.get("GRIDCRM_SPARK_SHUFFLE", "4"))
            .config("spark.driver.memory", os.environ.get("GRIDCRM_SPARK_MEMORY", "2g"))
        )
        if url.startswith("spark://"):
            builder = builder.config(
                "spark.executor.memory", os.environ.get("GRIDCRM_SPARK_EXECUTOR_MEMORY", "1g")
            ).config("spark.pyspark.python", sys.executable)
            driver_host = os.environ.get("GRIDCRM_SPARK_DRIVER_HOST", "")
            if driver_host:
                # Executors connect back to the driver: it must listen where they can reach.
                builder = builder.config("spark.driver.host", driver_host).config(
                    "spark.driver.bindAddress", driver_host
                )
        session: SparkSession = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        _current.session, _current.master = session, url
        return session


def _stop_locked() -> None:
    if _current.session is not None:
        try:
            _current.session.stop()
        except Exception:  # a dead cluster may refuse a clean goodbye; the session is gone
            logger.warning("Spark session on %s did not stop cleanly", _current.master)
    _current.session, _current.master = None, ""


def current_session() -> SparkSession | None:
    """The process's SparkSession if one is running (no new one is started)."""
    return _current.session


def spark_stop() -> None:
    """Stop the process's SparkSession (the next ``spark_session`` makes a new one)."""
    with _lock:
        _stop_locked()


def group_progress(session: SparkSession, group: str) -> tuple[int, int]:
    """(tasks done, tasks known) of the Spark jobs in ``group`` so far."""
    tracker = session.sparkContext.statusTracker()
    done = total = 0
    for job_id in tracker.getJobIdsForGroup(group):
        job = tracker.getJobInfo(job_id)
        for stage_id in job.stageIds if job else []:
            stage = tracker.getStageInfo(stage_id)
            if stage is not None:
                done += stage.numCompletedTasks
                total += stage.numTasks
    return done, total


RUNNING_GROUPS: set[str] = set()
"""The job groups of the runs in progress in this process (what is running now)."""


@contextmanager
def spark_run(
    session: SparkSession,
    *,
    label: str,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[None]:
    """Run the Spark work of the block as one job group, watched from another thread.

    Every ``WATCH_SECONDS`` the watcher reports ``progress(tasks done, tasks known)``.
    When ``cancelled()`` says so, or when no master answers any more, it cancels the
    group's jobs, and keeps cancelling any the block starts after; the run then fails
    with ``lake.run_cancelled`` or ``lake.cluster_unreachable`` even if the block got to
    its end, and a lost master also drops the session. (Spark's standalone mode lets an
    application run on after its master died, but it could no longer replace a lost
    executor: the run is failed clearly instead, and can be run again.) The block must
    compute its whole result and write nothing; the caller stores it after.
    """
    url = master_url()
    if not master_reachable(url):
        spark_stop()
        raise _unreachable(url)
    context = session.sparkContext
    group = f"gridcrm-{uuid.uuid4().hex}"
    context.setJobGroup(group, label, interruptOnCancel=True)
    stop = Signal()
    reason: list[str] = []

    def asked_to_stop() -> bool:
        try:
            return cancelled is not None and cancelled()
        except DatabaseError:  # a busy database: the next look will tell
            logger.info("cancel flag of Spark job group %s not read", group)
            return False

    def watch() -> None:
        last = (-1, -1)
        try:
            while not stop.wait(WATCH_SECONDS):
                if not reason and asked_to_stop():
                    reason.append("cancelled")
                elif not reason and not master_reachable(url, timeout=1.0):
                    reason.append("unreachable")
                if reason:
                    context.cancelJobGroup(group)  # and again at every look: later jobs too
                    continue
                now = group_progress(session, group)
                if progress is not None and now != last:
                    try:
                        progress(*now)
                        last = now
                    except DatabaseError:
                        logger.info("progress of Spark job group %s not recorded", group)
        except Exception:
            logger.exception("watching Spark job group %s failed", group)
        finally:
            connections.close_all()  # the callbacks' database connections of this thread

    watcher = threading.Thread(target=watch, name=group, daemon=True)
    RUNNING_GROUPS.add(group)
    watcher.start()
    failure: Exception | None = None
    try:
        yield
    except Exception as exc:
        failure = exc
    finally:
        stop.set()
        watcher.join()
        RUNNING_GROUPS.discard(group)
        context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
    if "unreachable" in reason:
        spark_stop()
        raise _unreachable(url) from failure
    if "cancelled" in reason:
        raise RunCancelled(_("The run was cancelled; nothing was changed.")) from failure
    if failure is not None:
        raise failure
