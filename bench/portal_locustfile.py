"""Locust users for ``bench/portal_load.py`` (which starts locust with this file).

The scenario comes from the JSON file named by ``BENCH_SCENARIO``:
``{"logins": [{"headers": {...}, "account": "..."}, ...], "pages": [[name, path, weight], ...],
"think": [lo, hi]}``, where ``path`` holds ``{account}``. Before every request a user takes
one of the logins at random, so that 50 users spread their requests over thousands of
customers (and the database cannot answer from a handful of hot rows); then reads the
answer for ``think`` seconds (uniform between the two bounds).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, task

_SCENARIO = json.loads(Path(os.environ["BENCH_SCENARIO"]).read_text(encoding="utf-8"))
_NAMES = [page[0] for page in _SCENARIO["pages"]]
_PATHS = [page[1] for page in _SCENARIO["pages"]]
_WEIGHTS = [page[2] for page in _SCENARIO["pages"]]


class Customer(FastHttpUser):
    wait_time = between(*_SCENARIO["think"])

    @task
    def read(self) -> None:
        login = random.choice(_SCENARIO["logins"])  # noqa: S311 - a load pattern, not a secret
        i = random.choices(range(len(_PATHS)), weights=_WEIGHTS)[0]  # noqa: S311
        self.client.get(
            _PATHS[i].format(account=login["account"]),
            headers=login["headers"],
            name=_NAMES[i],
        )
