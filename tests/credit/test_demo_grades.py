"""On a generated demo the data-fitted scorecard's grades mean something: every grade is
populated out of time, and the real serious-arrears rate rises from AAA down to C."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

from gridcrm.credit import services
from gridcrm.credit.demo import _lake_end, _truth
from gridcrm.credit.models import GRADES_BEST_FIRST
from gridcrm.lake import catalog
from gridcrm.lake.demo_facts import generate_demo_facts

pytestmark = pytest.mark.django_db


def test_the_demo_grades_are_all_populated_and_separate_real_arrears(
    settings: Settings, tmp_path: Path
) -> None:
    settings.LAKE_URL = str(tmp_path / "lake")
    settings.VAR_DIR = tmp_path / "var"
    call_command("demo_data", customers=2000, seed=1, verbosity=0, stdout=StringIO())
    generate_demo_facts(seed=1, months=24, reading_days=0, end=date(2026, 5, 1))
    con = catalog.connect("duckdb")

    version = services.fitted_publish(
        sample=services.training_sample(con=con, until=_lake_end(con)),
        note="test",
        acting_user=None,
        truth=_truth(),
    )

    report = version.detail  # what the model report page shows
    assert report["auc_oot"] >= 0.80
    by_grade = {row["grade"]: row for row in report["grades_oot"]}
    assert all(by_grade[g]["customers"] > 0 for g in GRADES_BEST_FIRST)
    rates = [by_grade[g]["bad_rate"] for g in GRADES_BEST_FIRST]
    assert rates == sorted(rates)  # AAA best … C worst
    assert len(set(rates)) == len(rates)  # and each grade apart from the next
