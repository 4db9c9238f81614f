"""The API contract run is selected only by name: ``pytest -m schemathesis tests/contract``.

It takes minutes, so every other run (``scripts/test``, the PostgreSQL pass, an editor's
``pytest``) leaves it out whatever its own ``-m`` says.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "schemathesis" in (config.getoption("markexpr") or "").replace("not schemathesis", ""):
        return
    contract = [item for item in items if item.get_closest_marker("schemathesis")]
    if contract:
        config.hook.pytest_deselected(items=contract)
        items[:] = [item for item in items if not item.get_closest_marker("schemathesis")]
