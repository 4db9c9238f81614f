"""Publishing a plan notifies customers and cannot be undone: the page asks first
(issue 16), and a post without the confirmation changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.load import services
from gridcrm.load.models import Plan, ScheduleNotice
from gridcrm.users.models import User
from tests.conftest import Regions
from tests.load.conftest import Site
from tests.load.test_plans import make_plan
from tests.load.test_views import login

pytestmark = pytest.mark.django_db


def test_publishing_asks_first_and_only_the_confirmation_publishes(
    client: Client, planner: User, regions: Regions, site: Site
) -> None:
    plan = services.plan_solve(plan=make_plan(planner, regions, 2500), acting_user=planner)
    scheduled = plan.schedules.values("customer").distinct().count()
    login(client, planner)

    page = client.get(f"/load/plans/{plan.pk}/publish/").content.decode()
    assert 'data-testid="confirm-publish"' in page
    assert f'data-testid="confirm-customers">{scheduled}<' in page

    bare = client.post(f"/load/plans/{plan.pk}/publish/")
    assert bare.status_code == 200
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SOLVED
    assert not ScheduleNotice.objects.exists()

    confirmed = client.post(f"/load/plans/{plan.pk}/publish/", {"confirm": "publish"})
    assert confirmed.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Plan.Status.PUBLISHED
    assert ScheduleNotice.objects.count() == scheduled


def test_an_unsolved_plan_offers_no_publish_button(
    client: Client, planner: User, regions: Regions
) -> None:
    plan = make_plan(planner, regions, 1000)
    login(client, planner)
    page = client.get(f"/load/plans/{plan.pk}/publish/").content.decode()
    assert 'data-testid="not-publishable"' in page
    assert 'data-testid="confirm-publish"' not in page


def test_a_role_without_plans_cannot_open_the_confirmation(
    client: Client, planner: User, collector_a: User, regions: Regions
) -> None:
    plan = make_plan(planner, regions, 1000)
    login(client, collector_a)
    assert client.get(f"/load/plans/{plan.pk}/publish/").status_code == 403
    assert client.post(f"/load/plans/{plan.pk}/publish/", {"confirm": "publish"}).status_code == 403
