"""``gridcrm serve [gunicorn options]``: the production web server (gunicorn).

Replaces itself with gunicorn configured by ``gridcrm.web.server`` (its variables:
``GRIDCRM_BIND``, ``GRIDCRM_WEB_WORKERS``, …); further arguments go to gunicorn. The
task worker (``gridcrm db_worker``) and the timers (``gridcrm service_timers --every
60``) run as processes of their own; docs/deploy.md has the whole start.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Serve GridCRM with gunicorn (production); extra arguments go to gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gunicorn_args", nargs="*", help="passed to gunicorn")

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if settings.PRODUCTION and not manifest.is_file():
            raise CommandError(f"Run `gridcrm collectstatic --noinput` first ({manifest}).")
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
            "gunicorn"
        )
        if gunicorn is None:
            raise CommandError("gunicorn is not installed in this environment.")
        argv = [gunicorn, "-c", "python:gridcrm.web.server", *options["gunicorn_args"]]
        sys.stdout.flush()
        os.execv(gunicorn, argv)  # noqa: S606 - gunicorn from this environment
