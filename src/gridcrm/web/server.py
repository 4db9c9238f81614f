"""gunicorn's settings for GridCRM (``gunicorn -c python:gridcrm.web.server``), from the
environment; ``gridcrm serve`` starts gunicorn with them (docs/deploy.md).

- ``GRIDCRM_BIND`` — where to listen (``127.0.0.1:8000``): behind the TLS proxy, a local
  address or a unix socket (``unix:/run/gridcrm/web.sock``).
- ``GRIDCRM_WEB_WORKERS`` — worker processes (default: 2 per core, plus one).
- ``GRIDCRM_WEB_THREADS`` — threads per worker (4): a page mostly waits for PostgreSQL.
- ``GRIDCRM_WEB_TIMEOUT`` — seconds before a stuck request's worker is restarted (60).
- ``PROMETHEUS_MULTIPROC_DIR`` — a folder of this server's own where the workers keep
  their request metrics, so that ``/metrics`` adds up all of them rather than showing
  whichever worker answered the scrape (docs/deploy.md, "Health and metrics").
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

from gridcrm.env import env_int, env_str

bind = [env_str("GRIDCRM_BIND", "127.0.0.1:8000")]
workers = env_int("GRIDCRM_WEB_WORKERS", default=2 * multiprocessing.cpu_count() + 1, minimum=1)
worker_class = "gthread"
threads = env_int("GRIDCRM_WEB_THREADS", default=4, minimum=1)
timeout = env_int("GRIDCRM_WEB_TIMEOUT", default=60, minimum=5)
graceful_timeout = 30
# A worker restarts after this many requests (with jitter), so that slow leaks stay small.
max_requests = 2000
max_requests_jitter = 200
# Access log on stdout (the journal under systemd); the client address is the proxy's
# unless the proxy passes it on (``GRIDCRM_TRUSTED_PROXY``, X-Forwarded-For).
accesslog = "-"
errorlog = "-"
wsgi_app = "gridcrm.wsgi:application"
# gunicorn 24+ opens a control socket under the user's home; the units protect the home
# (ProtectHome) and nothing here uses it. Older gunicorn ignores the name.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Empty the metrics folder: the files of an earlier run's workers would add their
    counts to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """Let a worker that ended (restarted after ``max_requests``) stop counting in the
    live gauges; its counters and histograms stay in the totals."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
