"""Locust users for ``bench/service_queue.py`` (which starts locust with this file).

Every user of a run plays the same scenario, read from the JSON file named by
``BENCH_SCENARIO``: ``{"name": ..., "paths": [...], "headers": {...}, "think": [lo, hi]}``.
A user asks for one of the paths, then reads the answer for ``think`` seconds (uniform
between the two bounds) before the next request, like a person at the queue page.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, task

_SCENARIO = json.loads(Path(os.environ["BENCH_SCENARIO"]).read_text(encoding="utf-8"))


class Staff(FastHttpUser):
    wait_time = between(*_SCENARIO["think"])

    @task
    def read(self) -> None:
        self.client.get(
            random.choice(_SCENARIO["paths"]),  # noqa: S311 - a load pattern, not a secret
            headers=_SCENARIO["headers"],
            name=_SCENARIO["name"],
        )
