"""What the web benches share: GridCRM served by gunicorn on loopback, and one headless
locust run of a scenario (its statistics rows).

A scenario is a JSON file the bench writes and its locustfile reads (``BENCH_SCENARIO``);
what it holds is the locustfile's business.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def serve(port: int, workers: int, *, wait: float = 300) -> subprocess.Popen[bytes]:
    """gunicorn with ``workers`` sync workers on loopback, returned once it answers.

    ``wait`` is generous by default: on a crowded machine importing Django in five
    workers takes more than a minute."""
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gridcrm.wsgi:application",
            f"--bind={HOST}:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--log-level=warning",
            "--timeout=120",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    deadline_at = time.monotonic() + wait
    while time.monotonic() < deadline_at:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/login/", timeout=10):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within {wait:.0f} s")


def locust_run(
    locustfile: str,
    scenario: Path,
    *,
    port: int,
    users: int,
    spawn_rate: float,
    seconds: float,
) -> list[dict[str, str]]:
    """Run ``bench/<locustfile>`` headless against the server on ``port`` with the
    scenario file, ``users`` users ramped up at ``spawn_rate`` a second and then
    ``seconds`` of measuring (statistics are reset after the ramp); locust's statistics
    rows, by request name and then ``Aggregated``."""
    prefix = scenario.with_suffix("")
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / locustfile),
            "--headless",
            "--only-summary",
            "--reset-stats",
            "--loglevel=ERROR",
            f"--host=http://{HOST}:{port}",
            f"--users={users}",
            f"--spawn-rate={spawn_rate}",
            f"--run-time={seconds + users / spawn_rate:.0f}s",
            f"--csv={prefix}",
        ],
        env={**os.environ, "BENCH_SCENARIO": str(scenario)},
        check=False,  # locust exits 1 when a request failed: the table shows failures
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"locust wrote no statistics for {scenario.stem}")
    return rows
