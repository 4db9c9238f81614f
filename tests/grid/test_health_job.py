"""The daily health run over the registry and the lake: what it stores, what a page shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from gridcrm.grid.health import health_compute, overload_risks, window
from gridcrm.grid.health_demo import grid_health_demo
from gridcrm.grid.models import GridEvent, Health, LoadMonth
from gridcrm.grid.selectors import health_of
from gridcrm.lake.services import facts_append
from gridcrm.users.models import User
from tests.grid import health_facts as hf
from tests.grid.conftest import Grid

AS_OF = date(2024, 4, 1)


@pytest.fixture
def lake(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    root.mkdir()
    settings.LAKE_URL = str(root)
    settings.VAR_DIR = tmp_path / "var"
    return root


@pytest.fixture
def overloaded(grid: Grid, lake: Path) -> Grid:
    """T-A2 (400 kVA, the school and the shop) at 440 kW (power factor 1.0) for 2 hours on
    2024-03-04 and for 1 hour on 2024-03-05, from the school's meter."""
    rows = []
    for day, intervals in ((date(2024, 3, 4), 8), (date(2024, 3, 5), 4)):
        rows += hf.day_of(
            grid.school.account_no, "M0201", day, base_kw=100.0, high_kw=440.0, intervals=intervals
        )
    facts_append(table="readings", facts=hf.readings_table(rows))
    return grid


def test_the_window_is_last_month_and_this_month_so_far() -> None:
    assert window(date(2024, 4, 1)) == (date(2024, 3, 1), date(2024, 4, 1))
    assert window(date(2024, 4, 17)) == (date(2024, 3, 1), date(2024, 4, 17))


def test_the_run_stores_load_months_scores_and_reasons(overloaded: Grid) -> None:
    run = health_compute(as_of=AS_OF, engine="duckdb")

    month = LoadMonth.objects.get(transformer=overloaded.t_a2)
    assert month.month == date(2024, 3, 1)
    # 440 kW of 400 kVA for 2 hours counts, for 1 hour does not.
    assert (month.overload_events, month.heavy_events) == (1, 1)
    assert month.max_load_rate == pytest.approx(1.1)
    t_a2 = Health.objects.get(transformer=overloaded.t_a2)
    assert t_a2.reasons[0] == ["overload", 25]
    assert t_a2.figures["overload_events"] == 1
    # A transformer without readings and never tested.
    t_b1 = Health.objects.get(transformer=overloaded.t_b1)
    assert [code for code, _ in t_b1.reasons] == ["test_overdue", "no_readings"]
    # The school is class II on one line and lacks emergency power.
    school = Health.objects.get(customer=overloaded.school)
    assert school.reasons[0] == ["important_gap", 30]
    assert ["transformer_overload", 10] in school.reasons
    f_a2 = Health.objects.get(feeder=overloaded.f_a2)
    assert f_a2.figures["overloaded"] == 1
    assert run.counts["transformers"] == 5
    assert run.counts["feeders"] == 5
    assert GridEvent.objects.filter(kind=GridEvent.Kind.HEALTH_COMPUTED).count() == 1
    # The overload is a risk of the safety overview and its alerts.
    risks = overload_risks(AS_OF)
    assert [(x.kind, x.subject_ref, x.severity) for x in risks] == [
        ("grid.overload", "T-A2", "critical")
    ]


def test_running_twice_updates_in_place(overloaded: Grid) -> None:
    health_compute(as_of=AS_OF, engine="duckdb")
    health_compute(as_of=AS_OF, engine="duckdb")

    assert LoadMonth.objects.filter(transformer=overloaded.t_a2).count() == 1
    assert Health.objects.filter(element="transformer").count() == 5


def test_health_of_gives_a_page_the_score_and_reasons_in_words(overloaded: Grid) -> None:
    assert health_of(element=overloaded.t_a2) is None
    health_compute(as_of=AS_OF, engine="duckdb")

    with translation.override("en"):
        view = health_of(element=overloaded.t_a2)
    assert view is not None
    assert view.band in ("watch", "poor")
    assert view.reasons[0][:2] == ("overload", 25)
    assert view.reasons[0][2].startswith("Overloaded")
    with translation.override("zh-hans"):
        customer = health_of(element=overloaded.school)
    assert customer is not None
    assert customer.reasons[0][0] == "important_gap"


def test_the_feeder_page_and_the_panel_show_the_health(
    overloaded: Grid, manager: User, client: Client
) -> None:
    health_compute(as_of=AS_OF, engine="duckdb")
    client.force_login(manager)

    page = client.get("/grid/feeders/F-A2/").content.decode()
    assert 'data-testid="health"' in page
    assert 'data-reason="overload"' in page
    panel = client.get(f"/grid/customers/{overloaded.school.account_no}/panel/").content.decode()
    assert 'data-reason="important_gap"' in panel


def test_the_demo_overloads_one_dedicated_transformer_from_readings(grid: Grid, lake: Path) -> None:
    grid_health_demo(seed=1)

    months = LoadMonth.objects.filter(overload_events__gt=0)
    # 2 h 30 min at 110 % counts once; the 1-hour spike at 120 % the day before does not.
    assert [(m.transformer.ownership, m.overload_events) for m in months] == [("dedicated", 1)]
    assert Health.objects.get(transformer=months[0].transformer).reasons[0][0] == "overload"
