"""A whole GridCRM installation in a folder, driven as separate processes: the
``gridcrm`` commands, a task worker to start and kill, and ``tests/probe.py`` to look
inside. For the backup and crash tests, which must see what a real process leaves."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GRIDCRM = str(Path(sys.executable).parent / "gridcrm")
WAIT_SECONDS = 120
"""How long a step may take before the test gives up: a bound on a hang, not a measure."""


class Installation:
    """GRIDCRM_VAR in ``var`` (its lake in ``var/lake``) and a database: SQLite in
    ``var`` unless ``database_url`` names one."""

    def __init__(self, var: Path, database_url: str = "") -> None:
        self.var = var
        self.database_url = database_url or f"sqlite:///{var / 'gridcrm.sqlite3'}"
        self.extra_env: dict[str, str] = {}
        """More variables for every process of this installation."""

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDCRM_", "DJANGO_"))}
        env.update(
            GRIDCRM_VAR=str(self.var),
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="gridcrm.settings",
            PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
            GRIDCRM_ALLOWED_HOSTS="testserver,localhost",
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # noqa: S603
            [GRIDCRM, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=WAIT_SECONDS * 3,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"gridcrm {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done

    def probe(self, *args: str) -> Any:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.probe", *args],
            env=self.env(),
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=WAIT_SECONDS * 3,
        )
        if done.returncode != 0:
            raise AssertionError(f"probe {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def build_demo(self) -> None:
        """Migrate, a small demo company with its lake facts and a credit rating."""
        self.run("migrate", "-v0")
        self.run("demo_data", "--customers", "60", "--seed", "7")
        self.run("demo_facts", "--months", "4", "--reading-days", "3", "--no-pipelines")
        self.run("credit_rate", "--as-of", "2026-11-30")

    def copy_to(self, var: Path) -> Installation:
        """Another installation with a copy of this one's folder (SQLite only)."""
        shutil.copytree(self.var, var)
        return Installation(var)

    def worker(self, **extra: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603
            [GRIDCRM, "worker", "--no-startup-delay", "--interval", "0.2", "--no-reload", "-v0"],
            env=self.env(**extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def job(self, job_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.probe("job", str(job_id))
        return result

    def wait_for_job(self, job_id: int, *statuses: str) -> dict[str, Any]:
        """The job once its status is one of ``statuses`` (polled; bounded by WAIT_SECONDS)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            job = self.job(job_id)
            if job["status"] in statuses or time.monotonic() > deadline:
                return job
            time.sleep(0.3)


def wait_for_file(path: Path, worker: subprocess.Popen[bytes]) -> None:
    """Wait until ``path`` exists (a worker paused there); fail if the worker ends first."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        assert worker.poll() is None, "the worker ended before it reached the pause point"
        assert time.monotonic() < deadline, "the worker never reached the pause point"
        time.sleep(0.1)


def kill(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=WAIT_SECONDS)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill(worker)
