"""Helpers of the cluster tests: wait for Spark to be busy, then do something to it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from gridcrm.lake import spark
from tests.conftest import Regions, make_customer

BUSY_TIMEOUT = 300.0


def tasks_running() -> bool:
    """Whether a run (``spark.spark_run``) has tasks running right now."""
    session = spark.current_session()
    if session is None or not spark.RUNNING_GROUPS:
        return False
    try:
        tracker = session.sparkContext.statusTracker()
        for group in list(spark.RUNNING_GROUPS):
            for job_id in tracker.getJobIdsForGroup(group):
                job = tracker.getJobInfo(job_id)
                for stage_id in job.stageIds if job else []:
                    stage = tracker.getStageInfo(stage_id)
                    if stage is not None and stage.numActiveTasks > 0:
                        return True
    except Exception:  # a session being replaced: nothing of ours runs on it
        return False
    return False


class WhenBusy(threading.Thread):
    """Calls ``action`` from another thread once Spark runs tasks; ``fired`` says if it did."""

    def __init__(self, action: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.action = action
        self.fired = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + BUSY_TIMEOUT
        while not self.done.is_set() and time.monotonic() < deadline:
            if tasks_running():
                self.action()
                self.fired.set()
                return
            time.sleep(0.05)

    def __enter__(self) -> WhenBusy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.join()


def medium_customers(regions: Regions, count: int = 3) -> list[str]:
    """Customers in the database for the first ``count`` meters of the medium lake."""
    accounts = [f"{number:010d}" for number in range(count)]
    for number, account_no in enumerate(accounts):
        make_customer(regions.station_a1, account_no, f"户{number}")
    return accounts
