"""The time-of-use clock in words: 尖 峰 平 谷, not the codes' first letters."""

from __future__ import annotations

from django.test import Client

from gridcrm.load import tou
from gridcrm.users.models import User
from tests.conftest import Regions


def test_the_tou_page_names_each_hour_s_period(
    client: Client, planner: User, regions: Regions
) -> None:
    tou.tou_defaults_install(region=regions.company, acting_user=planner)
    client.force_login(planner)
    client.cookies["django_language"] = "en"
    html = client.get("/load/tou/").content.decode()
    assert 'title="Valley"' in html
    assert 'title="Peak"' in html
    assert '<td class="tou-valley" title="Valley">V</td>' in html
    assert ">v</td>" not in html
    assert ">s</td>" not in html
