"""``gridcrm demo``: one command from an empty checkout to a running, populated GridCRM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any, TextIO, cast

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gridcrm.demo.enrich import demo_enrich
from gridcrm.demo.generator import COMPANY_NAME, DEMO_PASSWORD
from gridcrm.demo.management.commands.demo_data import (
    DEFAULT_CUSTOMERS,
    customer_count,
    write_logins,
)
from gridcrm.demo.services import demo_logins, demo_state, portal_logins

RULE = "=" * 78
# Facts, requests and rules need a seed even when the customers got a random one.
DEFAULT_ENRICH_SEED = 1
# How long the worker and the server get to finish their current work on Ctrl-C.
STOP_TIMEOUT_S = 10


def _port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError(port)
    return port


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, load the demo company unless the database holds customers, "
        "print a login per role, then serve http://127.0.0.1:PORT together with the task "
        "worker until Ctrl-C."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--customers",
            type=customer_count,
            default=DEFAULT_CUSTOMERS,
            help=f"Customers to create on first run (default {DEFAULT_CUSTOMERS:,}).",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="Seed of the generator (default random)."
        )
        parser.add_argument("--port", type=_port, default=8000, help="Web port (default 8000).")
        parser.add_argument(
            "--no-serve",
            action="store_false",
            dest="serve",
            help="Stop after printing the logins instead of starting the server and worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        port: int = options["port"]
        self.stdout.write("Migrating the database …")
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        fresh = demo_state().empty
        call_command(
            "demo_data",
            customers=options["customers"],
            seed=options["seed"],
            logins=False,
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        if fresh:
            seed = options["seed"] if options["seed"] is not None else DEFAULT_ENRICH_SEED
            # OutputWrapper writes like a TextIO; the stubs just don't say so.
            demo_enrich(seed=seed, stdout=cast(TextIO, self.stdout))

        url = f"http://127.0.0.1:{port}"
        self.stdout.write("")
        self.stdout.write(RULE)
        self.stdout.write(f"  GridCRM demo · {COMPANY_NAME}")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"  Open {url} and sign in with any login below."))
        self.stdout.write(f"  Every login has the password {DEMO_PASSWORD!r}.")
        self.stdout.write("")
        write_logins(self.stdout, demo_logins())
        portal = portal_logins()
        if portal:
            self.stdout.write("")
            self.stdout.write(f"  Customer portal ({url}/portal/, same password):")
            for login in portal:
                accounts = ", ".join(login.accounts)
                self.stdout.write(f"    {login.username:<12} {login.what}: {accounts}")
        self.stdout.write("")
        if options["serve"]:
            self.stdout.write(
                "  The task worker and the service timers run beside the web server;"
                " Ctrl-C stops all three."
            )
        self.stdout.write(RULE)
        if options["serve"]:
            # Hashed, compressed static files, as in production (docs/deploy.md); a
            # second start copies and compresses only what changed.
            call_command("collectstatic", interactive=False, verbosity=0)
            self._serve(port)

    def _serve(self, port: int) -> None:
        """Run the task worker and the web server as children until either stops or Ctrl-C."""
        # The same interpreter and settings as this process; the environment
        # (GRIDCRM_DEBUG, DATABASE_URL …) passes through unchanged. Each child gets
        # its own session, so Ctrl-C reaches this process only and each child is
        # asked to stop exactly once: a second SIGINT makes the task worker
        # abandon the task it is running.
        gridcrm = [sys.executable, "-m", "gridcrm.cli"]
        # The worker finishes its current task on SIGINT; runserver has nothing
        # to finish and stops on SIGTERM.
        graceful = signal.SIGINT if os.name == "posix" else signal.SIGTERM
        commands = {
            "task worker": ([*gridcrm, "db_worker"], graceful),
            # Service time limits: warnings, breaches and escalation every minute.
            "service timers": ([*gridcrm, "service_timers", "--every", "60"], signal.SIGTERM),
            "web server": (
                [*gridcrm, "runserver", f"127.0.0.1:{port}", "--noreload"],
                signal.SIGTERM,
            ),
        }
        # `kill` (SIGTERM) stops the demo as cleanly as Ctrl-C does.
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        children: dict[str, tuple[subprocess.Popen[bytes], signal.Signals]] = {}
        stopped: str | None = None
        try:
            for name, (argv, stop_signal) in commands.items():
                child = subprocess.Popen(argv, start_new_session=True)  # noqa: S603 - own argv
                children[name] = (child, stop_signal)
            while stopped is None:
                time.sleep(0.5)
                stopped = next((n for n, (p, _) in children.items() if p.poll() is not None), None)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the web server, the task worker and the service timers …")
        finally:
            _stop(list(children.values()))
            signal.signal(signal.SIGTERM, previous)
        if stopped is not None:
            code = children[stopped][0].returncode
            raise CommandError(f"The {stopped} exited with code {code}; the demo stopped.")


def _stop(children: list[tuple[subprocess.Popen[bytes], signal.Signals]]) -> None:
    """Send each running child its stop signal once, wait, then kill what is left."""
    for process, stop_signal in children:
        if process.poll() is None:
            process.send_signal(stop_signal)
    for process, _ in children:
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
