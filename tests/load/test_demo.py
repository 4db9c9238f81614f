"""The demo writes declared data, TOU schedules and a draft and a published plan."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gridcrm.load.demo import demo_load_data
from gridcrm.load.models import Plan, ProductionProfile, ScheduleNotice, TouSchedule
from gridcrm.users.models import User
from tests.load.conftest import Site

pytestmark = pytest.mark.django_db


def test_the_demo_makes_a_draft_and_a_published_plan(
    site: Site, planner: User, lake_dir: Path
) -> None:
    ProductionProfile.objects.all().delete()
    out = io.StringIO()
    demo_load_data(seed=3, stdout=out)

    assert TouSchedule.objects.count() == 2
    assert ProductionProfile.objects.filter(customer=site.steel).exists()
    assert not ProductionProfile.objects.filter(customer=site.household).exists()
    statuses = sorted(Plan.objects.values_list("status", flat=True))
    assert statuses == ["draft", "published"], out.getvalue()
    assert ScheduleNotice.objects.exists()
