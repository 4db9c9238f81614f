"""The grid pages: what each role sees, and the 360° page's equipment section."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.grid.models import Outage
from gridcrm.users.models import User
from tests.grid.conftest import Grid


def test_the_overview_shows_stations_and_the_gaps_page_lists_the_school(
    grid: Grid, manager: User, client: Client
) -> None:
    client.force_login(manager)
    page = client.get("/grid/").content.decode()
    assert 'data-station="S-A"' in page
    assert 'data-station="S-B"' in page
    assert 'data-testid="outage-form"' not in page  # a manager does not enter outages
    gaps = client.get("/grid/important/").content.decode()
    assert f'data-account="{grid.school.account_no}"' in gaps
    assert f'data-account="{grid.hospital.account_no}"' not in gaps
    assert (
        f'data-account="{grid.hospital.account_no}"'
        in client.get("/grid/important/?all=1").content.decode()
    )


def test_the_feeder_page_is_a_tree_of_transformers_and_customers(
    grid: Grid, manager: User, client: Client
) -> None:
    client.force_login(manager)
    page = client.get("/grid/feeders/F-A2/").content.decode()
    assert 'data-transformer="T-A2"' in page
    assert grid.school.account_no in page
    impact = client.get("/grid/impact/feeder/F-A1/").content.decode()
    assert impact.index(grid.hospital.account_no) < impact.index("0100000001")
    assert client.get("/grid/impact/pole/F-A1/").status_code == 404


def test_the_360_page_shows_the_supply_from_the_registry(
    grid: Grid, manager: User, client: Client
) -> None:
    client.force_login(manager)
    detail = client.get(f"/customers/{grid.hospital.account_no}/").content.decode()
    assert 'data-testid="grid-panel"' in detail
    panel = client.get(f"/grid/customers/{grid.hospital.account_no}/panel/").content.decode()
    assert 'data-configuration="dual_source"' in panel
    assert "M0101" in panel


def test_a_collector_enters_an_outage_on_the_page(
    grid: Grid, collector_a: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(collector_a)
    page = client.get("/grid/").content.decode()
    assert 'data-station="S-B"' not in page
    started = timezone.localtime(timezone.now() - dt.timedelta(minutes=10))
    form = {
        "element": "transformer",
        "code": "T-A1",
        "started_at": started.strftime("%Y-%m-%dT%H:%M"),
        "description": "熔断器熔断",
    }
    assert client.post("/grid/outages/new/", form).status_code == 302
    assert Outage.objects.get().customers == 1
    refused = client.post("/grid/outages/new/", form | {"code": "T-B1"})
    assert refused.status_code == 200
    assert Outage.objects.count() == 1
