"""A test hook to stop a process at a chosen point, so that a test can kill it there.

``pause_point("lake.publish")`` does nothing unless ``GRIDCRM_PAUSE_AT`` names that
point (``name#N``: its N-th passage in this process); then it creates the file
``GRIDCRM_PAUSE_FILE`` (to tell the test it is there) and waits for ever. The crash
tests (tests/jobs/test_kill.py) set both on a worker they start, wait for the file and
send SIGKILL: no timing guesses. Unset in production.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

_passed: Counter[str] = Counter()


def pause_point(name: str) -> None:
    """Wait here for ever when the environment asks to pause at ``name``."""
    wanted = os.environ.get("GRIDCRM_PAUSE_AT", "")
    if not wanted or wanted.partition("#")[0] != name:
        return
    _passed[name] += 1
    if _passed[name] != int(wanted.partition("#")[2] or 1):
        return
    marker = os.environ.get("GRIDCRM_PAUSE_FILE", "")
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    while True:
        time.sleep(60)
