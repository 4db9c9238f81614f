"""The home page is each role's workbench: counts of what waits for the person, each
linking to a list that shows exactly the records counted, scoped to the user.

Read on the whole demo (built once for the module, rolled back after): an ordinary day
at a supply company, with requests near and past their limits, change requests, visits
due, needs reports, plans and messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from gridcrm.archive.models import Customer
from gridcrm.load import selectors
from gridcrm.load.models import CompositionCell, PatternCell
from gridcrm.service.models import ServiceRequest
from gridcrm.users.models import User

CUSTOMERS = 300

# The sections each demo login's home page shows (``data-testid="workbench-<role>"``).
SECTIONS = {
    "agent": {"service_agent"},
    "collector": {"regional_collector"},
    "kam": {"key_account_manager"},
    "specialist": {"business_specialist"},
    "archivist": {"archive_officer"},
    "planner": {"demand_planner"},
    "manager": {"marketing_manager"},
}

_TILE = re.compile(
    r'<a class="tile" href="([^"]+)" data-testid="count-([\w-]+)" data-count="(\d+)"'
)
_ROW_MARKERS = {
    "/keyaccounts/": r'data-testid="account-',
    "/keyaccounts/reports/": r'data-testid="report-\d',
    "/keyaccounts/messages/": r'data-testid="message-\d',
    "/keyaccounts/feedback/": r'data-testid="due-\d',
    "/customers/changes/": r'data-testid="pending-\d',
    "/service/grace/": r'data-testid="grace-\d',
    "/jobs/": r'data-testid="job-\d',
    "/load/": r'data-testid="plan-\d',
}
_COUNTED = {
    "/service/": r'data-testid="queue-count" data-count="(\d+)"',
    "/customers/worklist/": r'data-testid="worklist-count" data-count="(\d+)"',
    "/customers/": r'data-testid="result-count" data-count="(\d+)"',
}


@pytest.fixture(scope="module")
def built_demo(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    lake = tmp_path_factory.mktemp("workbench_demo") / "lake"
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(LAKE_URL=str(lake), PASSWORD_HASHERS=fast):
        with django_db_blocker.unblock(), transaction.atomic():
            call_command(
                "demo",
                "--customers",
                str(CUSTOMERS),
                "--seed",
                "3",
                "--no-serve",
                verbosity=0,
                stdout=StringIO(),
            )
            yield
            transaction.set_rollback(True)


@pytest.fixture
def demo(built_demo: None, db: None) -> None:
    return None


def rows_behind(client: Client, url: str) -> int:
    """How many records the list at ``url`` shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    path = urlsplit(url).path
    if path in _COUNTED:
        found = re.search(_COUNTED[path], html)
        assert found, url
        return int(found.group(1))
    if path == "/credit/":
        section = urlsplit(url).fragment  # overrides or reviews
        marker = {"overrides": r'data-testid="override-\d', "reviews": r'data-testid="review-\d'}
        return len(re.findall(marker[section], html))
    return len(re.findall(_ROW_MARKERS[path], html))


def tiles(client: Client) -> list[tuple[str, str, int]]:
    html = client.get("/").content.decode()
    return [(key, url.replace("&amp;", "&"), int(n)) for url, key, n in _TILE.findall(html)]


@pytest.mark.parametrize("username", sorted(SECTIONS))
def test_every_count_equals_the_records_of_the_list_it_links_to(
    demo: None, client: Client, username: str
) -> None:
    user = User.objects.get(username=username)
    client.force_login(user)
    html = client.get("/").content.decode()
    shown = set(re.findall(r'data-testid="workbench-(\w+)"', html))
    assert shown == SECTIONS[username]
    counts = tiles(client)
    assert counts, username
    for key, url, n in counts:
        assert rows_behind(client, url) == n, (username, key, url)


def test_the_counts_are_scoped_to_the_user(demo: None, client: Client) -> None:
    """Two collectors see their own stations' queues; the agent's queue is the company's."""
    seen = {}
    for username in ("collector", "collector2"):
        client.force_login(User.objects.get(username=username))
        seen[username] = dict((k, n) for k, _u, n in tiles(client))
    for username, counts in seen.items():
        user = User.objects.get(username=username)
        region = user.region
        assert region is not None
        mine = ServiceRequest.objects.filter(
            status="open", current_role="regional_collector", region__path__startswith=region.path
        ).count()
        assert counts["queue-regional_collector"] == mine
        assert (
            counts["customers"]
            == Customer.objects.filter(region__path__startswith=region.path).count()
        )
    assert seen["collector"]["customers"] != seen["collector2"]["customers"]


def test_the_demos_pipeline_run_precomputed_the_composition(demo: None) -> None:
    assert selectors.composition_window_stored() is not None
    assert CompositionCell.objects.exists()
    assert PatternCell.objects.exists()


def test_the_manager_keeps_the_segment_chart_below_and_others_do_not_load_it(
    demo: None, client: Client
) -> None:
    client.force_login(User.objects.get(username="manager"))
    html = client.get("/").content.decode()
    assert html.index('data-testid="workbench-marketing_manager"') < html.index(
        'data-testid="segment-chart"'
    )
    client.force_login(User.objects.get(username="agent"))
    html = client.get("/").content.decode()
    assert 'data-testid="segment-chart"' not in html
    assert "plotly" not in html
