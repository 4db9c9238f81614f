"""A Spark standalone cluster on this machine, started from the installed PySpark.

CI, the cluster tests and ``bench/spark_scaling.py`` use it: one master and N workers on
127.0.0.1, each worker with one core and its own work folder, the way Spark's own
``sbin/start-master.sh`` / ``start-worker.sh`` run them (in production those scripts or
service units start the daemons; see docs/deploy.md). Ports are chosen free at start,
so that several clusters on one machine do not collide.

    python -m gridcrm.lake.standalone --workers 2    # prints the master URL; Ctrl-C stops

Every daemon is started in a process group of its own, so that ``kill_worker`` takes
down the worker's JVM and the executor JVM it launched, as a crashed machine would.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

START_TIMEOUT = 120.0
"""Seconds to wait for the daemons to come up (JVM start-up on a loaded machine)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the process that started it dies, so a
    test run or bench that is killed leaves no daemons behind (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def spark_class() -> str:
    """The ``spark-class`` launcher of the PySpark installed next to this Python."""
    beside = Path(sys.executable).parent / "spark-class"
    if beside.exists():
        return str(beside)
    import pyspark

    return str(Path(pyspark.__file__).parent / "bin" / "spark-class")


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def kill(self) -> None:
        """SIGKILL the daemon's whole process group (its JVM and any executor JVM)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        self.log.close()


@dataclass
class StandaloneCluster:
    """A master and ``workers`` workers (``cores`` and ``memory`` each) on 127.0.0.1.

    Use as a context manager, or call ``start`` and ``stop`` (``stop`` is safe to call
    twice and after a kill)."""

    workers: int = 2
    cores: int = 1
    memory: str = "1g"
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="gridcrm-spark-")))
    port: int = 0
    ui_port: int = 0
    master: Daemon | None = None
    worker_daemons: list[Daemon] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_DAEMON_MEMORY="256m",
            SPARK_LOG_DIR=str(self.root / "logs"),
            SPARK_WORKER_DIR=str(self.root / "work"),
            # Executors that run Python (UDFs, pandas) use this interpreter.
            PYSPARK_PYTHON=sys.executable,
        )
        return env

    def _spawn(self, name: str, *args: str) -> Daemon:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        log = (self.root / "logs" / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own launcher and arguments
            [spark_class(), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self._env(),
            cwd=self.root,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # one prctl call: safe beside other threads
        )
        return Daemon(name=name, process=process, log=log)

    def start(self) -> StandaloneCluster:
        """Start the master and the workers; return once every worker is registered."""
        try:
            self.port = self.port or free_port()
            self.ui_port = self.ui_port or free_port()
            self.master = self._spawn(
                "master",
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--webui-port",
                str(self.ui_port),
            )
            self._wait(lambda state: state is not None, "the master")
            for number in range(self.workers):
                self.add_worker(number)
            self._wait(lambda state: self._alive(state) >= self.workers, "the workers")
        except BaseException:
            self.stop()
            raise
        return self

    def add_worker(self, number: int) -> None:
        self.worker_daemons.append(self._spawn_worker(number))

    def _spawn_worker(self, number: int) -> Daemon:
        work = self.root / "work" / f"worker-{number}"
        work.mkdir(parents=True, exist_ok=True)
        return self._spawn(
            f"worker-{number}",
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--cores",
            str(self.cores),
            "--memory",
            self.memory,
            "--work-dir",
            str(work),
            "--webui-port",
            str(free_port()),
            self.url,
        )

    def state(self) -> dict[str, Any] | None:
        """The master's own account of the cluster (its web UI's ``/json``), or None."""
        try:
            with urllib.request.urlopen(  # noqa: S310 - http on 127.0.0.1 only
                f"http://127.0.0.1:{self.ui_port}/json", timeout=2
            ) as response:
                state: dict[str, Any] = json.load(response)
                return state
        except (OSError, ValueError):
            return None

    @staticmethod
    def _alive(state: dict[str, Any] | None) -> int:
        if not state:
            return 0
        return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")

    def alive_workers(self) -> int:
        return self._alive(self.state())

    def _wait(self, ready: Any, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if ready(self.state()):
                return
            for daemon in [self.master, *self.worker_daemons]:
                if daemon is not None and daemon.process.poll() is not None:
                    raise RuntimeError(f"{daemon.name} exited; see {self.root}/logs")
            time.sleep(0.5)
        raise TimeoutError(f"{what} did not come up in {START_TIMEOUT:.0f} s; see {self.root}")

    def restore_workers(self) -> None:
        """Start a new worker for each one that died; return once all are registered."""
        for number, daemon in enumerate(self.worker_daemons):
            if daemon.process.poll() is not None:
                self.worker_daemons[number] = self._spawn_worker(len(self.worker_daemons) + number)
        self._wait(lambda state: self._alive(state) >= self.workers, "the workers")

    def kill_worker(self, number: int = 0) -> None:
        """SIGKILL one worker and its executor, as if its machine had died."""
        self.worker_daemons[number].kill()

    def kill_master(self) -> None:
        if self.master is not None:
            self.master.kill()

    def stop(self) -> None:
        """Stop every daemon still running and remove the cluster's folder."""
        for daemon in [*self.worker_daemons, *([self.master] if self.master else [])]:
            daemon.kill()
        self.worker_daemons = []
        self.master = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> StandaloneCluster:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory", default="1g")
    args = parser.parse_args()
    with StandaloneCluster(workers=args.workers, memory=args.memory) as cluster:
        sys.stdout.write(f"GRIDCRM_SPARK_MASTER={cluster.url}\n")
        sys.stdout.flush()
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
