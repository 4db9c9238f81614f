"""The regional composition is precomputed by the lake's pipeline run and the load
patterns by the curves run: the page then adds up small stored rows, and gets what the
readings give, for every grouping and for each user's scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from gridcrm.core.extensions import LAKE_RESULTS
from gridcrm.lake import catalog
from gridcrm.lake.services import facts_append, results_compute
from gridcrm.load import selectors, services
from gridcrm.load.models import CompositionCell, PatternCell
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user
from tests.load.conftest import Site
from tests.load.test_knowledge import DAYTIME, EVENING, FLAT, readings

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2025, 7, 7)
AS_OF = MONDAY + dt.timedelta(days=14)
START, END = AS_OF - dt.timedelta(days=28), AS_OF


@pytest.fixture
def metered(site: Site, lake_dir: Path) -> Site:
    facts_append(table="readings", facts=readings(site.steel, FLAT * 50, MONDAY, 7))
    facts_append(table="readings", facts=readings(site.shop, DAYTIME, MONDAY, 7))
    facts_append(
        table="readings", facts=readings(site.household, EVENING, MONDAY + dt.timedelta(days=2), 5)
    )
    return site


def pipelines_run(*, as_of: dt.date) -> None:
    """What the lake's pipeline run does for the load app (``LAKE_RESULTS``); the whole
    run, with bills and payments, is read in tests/web/test_workbench.py's demo."""
    con = catalog.connect()
    follower = dict(LAKE_RESULTS.items())["load.composition"]
    follower.store(results_compute(con, follower.exprs(con, as_of)), as_of)


def _same(a: selectors.Composition, b: selectors.Composition) -> None:
    assert a.groups == b.groups
    for group in a.groups:
        assert a.kw[group] == pytest.approx(b.kw[group], abs=0.011)


def test_the_pipeline_run_stores_the_composition_the_readings_give(
    metered: Site, planner: User, regions: Regions, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipelines_run(as_of=AS_OF)
    assert CompositionCell.objects.exists()
    assert selectors.composition_window_stored() == (START, END)
    expected = {
        (grouping, region.code): selectors.composition_from_readings(
            user=planner, region=region, grouping=grouping, start=START, end=END
        )
        for grouping in selectors.GROUPINGS
        for region in (regions.company, regions.district_a, regions.station_a1, regions.station_b1)
    }
    assert not expected[("segment", "YQ0101")].empty

    def no_readings(**kwargs: Any) -> selectors.Composition:
        raise AssertionError("the page read the readings")

    monkeypatch.setattr(selectors, "composition_from_readings", no_readings)
    for (grouping, code), live in expected.items():
        region = next(r for r in selectors.regions() if r.code == code)
        stored = selectors.composition(
            user=planner, region=region, grouping=grouping, start=START, end=END
        )
        _same(stored, live)


def test_a_collector_gets_their_stations_share_and_a_portfolio_the_readings(
    metered: Site, regions: Regions, manager_a: User
) -> None:
    pipelines_run(as_of=AS_OF)
    inside = make_user("collector_a1", Role.REGIONAL_COLLECTOR, regions.station_a1)
    outside = make_user("collector_b1", Role.REGIONAL_COLLECTOR, regions.station_b1)
    for user in (inside, outside):
        stored = selectors.composition(
            user=user, region=regions.company, grouping="station", start=START, end=END
        )
        live = selectors.composition_from_readings(
            user=user, region=regions.company, grouping="station", start=START, end=END
        )
        _same(stored, live)
    assert selectors.composition(
        user=outside, region=regions.company, grouping="station", start=START, end=END
    ).empty
    metered.steel.account_manager = manager_a
    metered.steel.save(update_fields=["account_manager"])
    portfolio = selectors.composition(
        user=manager_a, region=regions.company, grouping="segment", start=START, end=END
    )
    assert sum(portfolio.kw[g][40] for g in portfolio.groups) == pytest.approx(5000)


def test_the_curves_run_stores_the_patterns_the_page_shows(
    metered: Site, planner: User, regions: Regions
) -> None:
    services.typical_curves_refresh()
    assert PatternCell.objects.exists()
    summary = selectors.pattern_summary(
        user=planner, region=regions.company, season="summer", day_type="workday"
    )
    assert sum(summary.sizes.values()) == 3
    assert summary.sizes.get("continuous") == 1
    assert summary.centroids["continuous"][0] == pytest.approx(1.0)


def test_the_page_shows_the_stored_window_by_default(
    metered: Site, planner: User, client: Client
) -> None:
    pipelines_run(as_of=AS_OF)
    client.force_login(planner)
    html = client.get("/load/composition/?region=YQ&by=segment").content.decode()
    assert START.isoformat() in html
    assert END.isoformat() in html
