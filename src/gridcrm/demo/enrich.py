"""What the demo adds after its customers exist: mapping rules, change requests, a public
credit list, tier-3 captures, facts in the lake, credit ratings, service requests and
notices, orderly-use plans, key-account visits and needs.

Each capability keeps its own demo function next to its code; this module only calls
them in order, so the demo shows every capability with data that follows from the
customers it generated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from django.core.management import call_command

from gridcrm.archive.demo import DEMO_RULES, archive_demo_data

__all__ = ["DEMO_RULES", "demo_enrich"]


def _step(stdout: TextIO, label: str, work: Callable[[], Any]) -> Any:
    stdout.write(f"  · {label} …\n")
    return work()


def demo_enrich(*, seed: int, stdout: TextIO) -> None:
    """Everything the demo shows beyond the customers themselves, in dependency order."""
    stdout.write("Adding what the customers have done …\n")
    _step(
        stdout,
        "mapping rules, a public credit list, change requests",
        lambda: archive_demo_data(seed=seed, stdout=stdout),
    )
    _step(
        stdout,
        "bills, payments and 15-minute readings in the lake (about a minute)",
        lambda: call_command("demo_facts", seed=seed, stdout=stdout),
    )
    from gridcrm.credit.demo import demo_credit_data
    from gridcrm.keyaccounts.demo import demo_keyaccount_data
    from gridcrm.load.demo import demo_load_data
    from gridcrm.service.demo import demo_service_data

    _step(
        stdout,
        "credit scorecard fitted on the facts, every customer rated",
        lambda: demo_credit_data(seed=seed, stdout=stdout),
    )
    from gridcrm.billing.demo import demo_billing_data

    _step(
        stdout,
        "reversal, part and advance payments; balances, arrears and late fees",
        lambda: demo_billing_data(seed=seed, stdout=stdout),
    )
    _step(
        stdout, "service requests and notices", lambda: demo_service_data(seed=seed, stdout=stdout)
    )
    _step(
        stdout,
        "time-of-use periods, declared production data, orderly-use plans",
        lambda: demo_load_data(seed=seed, stdout=stdout),
    )
    from gridcrm.grid.demo import grid_demo_emergency

    _step(
        stdout,
        "important customers' emergency power sized to their security loads",
        lambda: grid_demo_emergency(seed=seed),
    )
    from gridcrm.grid.health_demo import grid_health_demo

    _step(
        stdout,
        "grid health from the readings (one dedicated transformer overloaded)",
        lambda: grid_health_demo(seed=seed),
    )
    from gridcrm.safety.demo import safety_demo_write

    _step(
        stdout,
        "inspections by cycle, hazards with their notices, one past its deadline",
        lambda: safety_demo_write(seed=seed),
    )
    _step(
        stdout,
        "key accounts: a year of visits, needs reports, latent needs",
        lambda: demo_keyaccount_data(seed=seed, stdout=stdout),
    )
    from gridcrm.demo.generator import DEMO_PASSWORD
    from gridcrm.portal.demo import demo_portal_data

    _step(
        stdout,
        "portal logins: a household, a shop owner with two accounts, a key account's contact",
        lambda: demo_portal_data(password=DEMO_PASSWORD, stdout=stdout),
    )
    from gridcrm.service.complaints import complaints_refresh

    # After every step that makes requests: the lake's run above came before them.
    _step(stdout, "complaints in 12 months into the archive", complaints_refresh)
    from gridcrm.grid.demo import grid_demo_alerts

    _step(stdout, "grid alerts: the risks found, into the collectors' inboxes", grid_demo_alerts)
