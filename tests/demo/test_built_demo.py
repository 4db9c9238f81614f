"""The whole demo, built once for this module: an ordinary day at a real supply company.

``gridcrm demo`` (customers, then everything the apps add) takes tens of seconds, so
every test here reads the same build; it is rolled back when the module is done.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from gridcrm.archive.models import Customer, Segment
from gridcrm.archive.registry import BUILT_IN
from gridcrm.demo.generator import DEMO_PASSWORD, STAFF
from gridcrm.lake import catalog
from gridcrm.load.models import Plan
from gridcrm.service.models import Notice, ServiceRequest
from gridcrm.service.selectors import requests_visible_to
from gridcrm.users.models import User

CUSTOMERS = 600
# Which months a campaign named in a plan or notice is made for.
SEASONS = {"迎峰度夏": {6, 7, 8, 9}, "迎峰度冬": {12, 1, 2}}


@pytest.fixture(scope="module")
def built_demo(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """``gridcrm demo --no-serve`` once, in a transaction undone afterwards; its output."""
    lake = tmp_path_factory.mktemp("built_demo") / "lake"
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(LAKE_URL=str(lake), PASSWORD_HASHERS=fast):
        with django_db_blocker.unblock(), transaction.atomic():
            out = StringIO()
            call_command(
                "demo",
                "--customers",
                str(CUSTOMERS),
                "--seed",
                "2",
                "--no-serve",
                verbosity=0,
                stdout=out,
            )
            yield out.getvalue()
            transaction.set_rollback(True)


@pytest.fixture
def demo(built_demo: str, db: None) -> str:
    return built_demo


def test_demo_prints_the_url_and_a_login_per_role(demo: str) -> None:
    assert "http://127.0.0.1:8000" in demo
    assert DEMO_PASSWORD in demo
    for staff in STAFF:
        assert f"  {staff.username} " in demo
    assert Customer.objects.count() == CUSTOMERS


def test_most_requests_are_within_their_limits_and_a_few_are_breached(demo: str) -> None:
    requests = ServiceRequest.objects.all()
    total = requests.count()
    breached = requests.filter(breaches__isnull=False).distinct().count()
    assert total >= 300
    assert 0.03 <= breached / total <= 0.10, (breached, total)
    now = timezone.now()
    overdue = requests.filter(status="open", step_due_at__lte=now).count()
    assert overdue / total <= 0.10
    # A collector's queue is mostly on time: a red row is the exception.
    collector = User.objects.get(username="collector")
    queue = requests_visible_to(user=collector).filter(
        status="open", current_role="regional_collector"
    )
    assert queue.exists()
    assert queue.filter(step_due_at__lte=now).count() <= 0.25 * queue.count()


def _read_accounts() -> set[str]:
    con = catalog.connect("duckdb")
    readings = catalog.table(con, "readings")
    return set(con.execute(readings.select("account_no").distinct())["account_no"])


def test_every_key_account_and_a_share_of_households_have_readings(demo: str) -> None:
    read = _read_accounts()
    key_accounts = set(
        Customer.objects.filter(account_manager__isnull=False).values_list("account_no", flat=True)
    )
    assert key_accounts
    assert key_accounts <= read
    households = set(
        Customer.objects.filter(segment=Segment.RESIDENTIAL).values_list("account_no", flat=True)
    )
    assert len(households & read) >= 0.10 * len(households)


def _campaigns(text: str) -> list[str]:
    return [name for name in SEASONS if name in text]


def test_plans_and_notices_are_dated_for_their_season(demo: str) -> None:
    plans = list(Plan.objects.all())
    assert plans
    for plan in plans:
        months = {dt.date.fromisoformat(str(day)).month for day in plan.days}
        for campaign in _campaigns(plan.name):
            assert months <= SEASONS[campaign], (plan.name, plan.days)
    for notice in Notice.objects.all():
        dates = [d for d in (notice.effective_on, notice.outage_start) if d is not None]
        months = {d.month for d in dates} or {timezone.localdate().month}
        for campaign in _campaigns(f"{notice.title} {notice.body}"):
            assert months <= SEASONS[campaign], notice.title


def test_nothing_is_as_of_a_day_after_today(demo: str) -> None:
    today = timezone.localdate()
    printed = [dt.date.fromisoformat(d) for d in re.findall(r"as of (\d{4}-\d\d-\d\d)", demo)]
    assert printed
    assert max(printed) <= today
    for model in apps.get_models():
        if any(f.name == "as_of" for f in model._meta.get_fields()):
            latest = model._default_manager.order_by("-as_of").values_list("as_of", flat=True)
            assert (latest.first() or today) <= today, model


def test_the_lake_of_the_demo_is_the_modules_own(demo: str) -> None:
    # The build wrote into its own lake, not the developer's var/ folder.
    assert "built_demo" in catalog.lake_root()


def test_the_portal_logins_hold_real_accounts_with_data(demo: str) -> None:
    from django.test import Client

    from gridcrm.portal.demo import portal_demo_logins

    logins = {login.username: login for login in portal_demo_logins()}
    assert set(logins) == {"customer", "shopowner", "keycontact"}
    assert len(logins["shopowner"].accounts) == 2
    for username, login in logins.items():
        assert f"    {username} " in demo
        client = Client()
        client.force_login(User.objects.get(username=username))
        page = client.get(f"/portal/a/{login.accounts[0]}/usage/")
        assert page.status_code == 200
        assert page.content.decode().count("<tr>") > 1, username  # months of usage


def test_the_customers_with_complaints_have_their_count_in_the_archive(demo: str) -> None:
    since = timezone.now() - dt.timedelta(days=300)  # every demo request is recent
    complaints = Counter(
        ServiceRequest.objects.filter(
            request_type__category="complaint", created_at__gte=since
        ).values_list("customer__account_no", flat=True)
    )
    figures = dict(Customer.objects.values_list("account_no", "complaints_12m"))

    assert complaints
    assert {a: figures[a] for a in complaints} == dict(complaints)
    # Everyone else has made none, which the archive knows too (no blank).
    assert {figures[a] for a in figures.keys() - complaints.keys()} == {0}


def test_every_derived_field_of_the_registry_is_fed(demo: str) -> None:
    # A derived field nobody computes would stay blank for every customer.
    derived = [s for s in BUILT_IN if s.is_derived]
    unfed = [
        s.name
        for s in derived
        if all(s.is_blank(v) for v in Customer.objects.values_list(s.name, flat=True))
    ]

    assert "complaints_12m" in {s.name for s in derived}
    assert unfed == []
