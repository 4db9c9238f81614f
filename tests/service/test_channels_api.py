"""The channels over the API: preferences written with a bearer token and held to scope,
the provider's delivery callback refused without a good signature and marking delivered
with one, and a notice's delivery and read rates."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.service.models import ChannelPreference, NoticeDelivery
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.service.services import deliveries_send_due, notice_mark_read
from gridcrm.service.transports.gateway import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import Regions, make_user
from tests.service.conftest import GATEWAY_SECRET, Gateway, local

pytestmark = pytest.mark.django_db

NOW = local(2025, 6, 2, 9, 0)
OUTAGE = local(2025, 6, 16, 8, 0)
SWEEP = local(2025, 6, 10, 10, 0)


def _bearer(user: User) -> tuple[Client, dict[str, str]]:
    return Client(enforce_csrf_checks=True), {
        "Authorization": f"Bearer {api_token_issue(user=user, name='app')}"
    }


def test_a_token_sets_a_customers_channels(agent: User, customer_a: Customer) -> None:
    client, headers = _bearer(agent)
    url = f"/api/service/customers/{customer_a.account_no}/channels"
    put = client.put(
        url,
        {"channels": ["sms", "email"], "email": "wang@example.cn", "quiet_start": "21:00:00"},
        content_type="application/json",
        headers=headers,
    )
    assert put.status_code == 200, put.content
    assert put.json()["channels"] == ["sms", "email"]
    assert put.json()["email"] == "***@example.cn"
    chosen = ChannelPreference.objects.get(customer=customer_a)
    assert (chosen.email, chosen.quiet_start) == ("wang@example.cn", dt.time(21, 0))
    assert client.get(url, headers=headers).json()["quiet_start"] == "21:00:00"


def test_wrong_channels_are_refused_with_the_field_and_change_nothing(
    agent: User, customer_a: Customer
) -> None:
    client, headers = _bearer(agent)
    answer = client.put(
        f"/api/service/customers/{customer_a.account_no}/channels",
        {"channels": ["pigeon", "wechat"]},
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "service.invalid_input"
    assert set(answer.json()["fields"]) == {"channels", "wechat_openid"}
    assert not ChannelPreference.objects.exists()


@pytest.mark.parametrize("quiet_end", [0, 3600, "22:00+08:00", "25:00"])
def test_quiet_hours_that_are_not_a_local_time_of_day_are_refused(
    agent: User, customer_a: Customer, quiet_end: object
) -> None:
    # A number of seconds or a time with an offset once reached the database as a time
    # with a timezone, which it cannot store: a 500 (found by the contract run).
    client, headers = _bearer(agent)
    answer = client.put(
        f"/api/service/customers/{customer_a.account_no}/channels",
        {"channels": [], "quiet_start": "22:00:00", "quiet_end": quiet_end},
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 422, answer.content
    assert "quiet_end" in json.dumps(answer.json())
    assert not ChannelPreference.objects.exists()


def test_another_stations_collector_cannot_set_a_customers_channels(
    collector_b: User, customer_a: Customer
) -> None:
    client, headers = _bearer(collector_b)
    answer = client.put(
        f"/api/service/customers/{customer_a.account_no}/channels",
        {"channels": ["sms"]},
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 404
    assert answer.json()["code"] == "archive.customer_not_found"
    assert not ChannelPreference.objects.exists()


def test_the_channels_say_which_are_configured(agent: User, gateway: Gateway) -> None:
    client, headers = _bearer(agent)
    listed = {
        c["code"]: c["configured"]
        for c in client.get("/api/service/channels", headers=headers).json()
    }
    assert listed == {"in_app": True, "sms": True, "wechat": True, "email": False}


@pytest.fixture
def sent_sms(planner: User, customer_a: Customer, regions: Regions, gateway: Gateway) -> Any:
    notice = notice_create(
        kind="outage",
        topic="outage",
        title="北大街计划停电",
        body="检修。",
        acting_user=planner,
        targets=[Target("station", regions.station_a1.code)],
        outage_start=OUTAGE,
        outage_end=OUTAGE + dt.timedelta(hours=4),
    )
    notice_publish(notice=notice, acting_user=planner, now=NOW)
    deliveries_send_due(now=SWEEP)
    return NoticeDelivery.objects.get(notice=notice, channel="sms")


def _callback(body: dict[str, Any], *, secret: str = GATEWAY_SECRET, age: int = 0) -> Any:
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()) - age)
    return Client(enforce_csrf_checks=True).post(
        "/api/service/channels/callback/sms",
        raw,
        content_type="application/json",
        headers={
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=raw),
        },
    )


def test_a_callback_with_a_bad_or_stale_signature_is_refused(sent_sms: NoticeDelivery) -> None:
    report = {"idempotency_key": sent_sms.idempotency_key, "status": "delivered"}
    for answer in (_callback(report, secret="guessed"), _callback(report, age=3600)):
        assert answer.status_code == 403
        assert answer.json()["code"] == "service.callback_refused"
    sent_sms.refresh_from_db()
    assert (sent_sms.status, sent_sms.delivered_at) == ("sent", None)


def test_a_signed_callback_marks_the_sms_delivered_or_failed(
    sent_sms: NoticeDelivery, planner: User
) -> None:
    answer = _callback({"idempotency_key": sent_sms.idempotency_key, "status": "delivered"})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"status": "delivered"}
    sent_sms.refresh_from_db()
    assert sent_sms.status == "delivered"
    assert sent_sms.delivered_at is not None
    assert sent_sms.tries.get().status == "delivered"
    unknown = _callback({"idempotency_key": "notice-0-0-sms", "status": "delivered"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "service.delivery_not_found")
    failed = _callback(
        {"idempotency_key": sent_sms.idempotency_key, "status": "failed", "reason": "空号"}
    )
    assert failed.status_code == 200
    sent_sms.refresh_from_db()
    assert (sent_sms.status, sent_sms.detail) == ("failed", "空号")


def test_the_notice_api_gives_delivery_and_read_rates(
    sent_sms: NoticeDelivery, planner: User, customer_a: Customer
) -> None:
    login = make_user("wang", Role.CUSTOMER)
    Customer.objects.filter(pk=customer_a.pk).update(portal_user=login)
    notice_mark_read(notice=sent_sms.notice, customer=customer_a, acting_user=login)
    _callback({"idempotency_key": sent_sms.idempotency_key, "status": "delivered"})
    client, headers = _bearer(planner)
    rates = {
        r["channel"]: r
        for r in client.get(
            f"/api/service/notices/{sent_sms.notice_id}/rates", headers=headers
        ).json()
    }
    assert rates["in_app"]["read"] == 1
    assert rates["in_app"]["read_rate"] == 1.0
    assert (rates["sms"]["delivered"], rates["sms"]["delivery_rate"]) == (1, 1.0)
    tries = client.get(
        f"/api/service/notices/{sent_sms.notice_id}/attempts", headers=headers
    ).json()["items"]
    assert {t["channel"] for t in tries} == {"in_app", "sms"}
    assert "13834567890" not in str(tries)
    log = client.get(
        f"/api/service/notices/{sent_sms.notice_id}/deliveries", headers=headers
    ).json()["items"]
    assert {d["channel"]: d["read_at"] is not None for d in log} == {"in_app": True, "sms": False}


def test_a_customer_token_reads_no_rates(sent_sms: NoticeDelivery, customer_a: Customer) -> None:
    login = make_user("wang", Role.CUSTOMER)
    Customer.objects.filter(pk=customer_a.pk).update(portal_user=login)
    client, headers = _bearer(login)
    answer = client.get(f"/api/service/notices/{sent_sms.notice_id}/rates", headers=headers)
    # Customer tokens get nothing from staff endpoints (they use /api/portal/).
    assert (answer.status_code, answer.json()["code"]) == (401, "unauthenticated")


def test_the_staff_notice_page_shows_rates_tries_and_unconfigured_channels(
    sent_sms: NoticeDelivery, planner: User, customer_a: Customer, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.GRIDCRM_WECHAT_GATEWAY_URL = ""  # WeChat has no provider here
    _callback({"idempotency_key": sent_sms.idempotency_key, "status": "delivered"})
    client = Client()
    client.force_login(planner)
    page = client.get(f"/service/notices/{sent_sms.notice_id}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="rates"' in html
    assert '<tr data-channel="sms"><td>SMS</td><td class="num">1</td>' in html  # by name
    assert "(100 %)" in html
    channels = html.split('data-testid="channels"', 1)[1].split("</p>", 1)[0]
    assert "WeChat <strong>not configured</strong>" in channels
    assert "E-mail <strong>not configured</strong>" in channels
    assert "SMS ✓" in channels
    assert "138****7890" in html  # the try, its phone masked
    assert "13834567890" not in html


def test_staff_set_a_customers_channels_on_the_360_page(
    agent: User, collector_b: User, customer_a: Customer, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    client = Client()
    client.force_login(agent)
    url = f"/service/customers/{customer_a.account_no}/channels/"
    form = {"channels": ["sms", "wechat"], "quiet_start": "21:30", "quiet_end": "07:00"}
    # WeChat without an openid: refused, nothing saved.
    client.post(url, form)
    assert not ChannelPreference.objects.exists()
    client.post(url, {**form, "wechat_openid": "oAbCdEf123"})
    chosen = ChannelPreference.objects.get(customer=customer_a)
    assert (chosen.channels, chosen.quiet_start) == (["in_app", "sms", "wechat"], dt.time(21, 30))
    page = client.get(customer_a.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "In the app, SMS, WeChat" in page  # the channels by name
    assert "21:30–07:00" in page
    other = Client()
    other.force_login(collector_b)
    assert other.post(url, {**form, "channels": ["sms"]}).status_code == 404
    chosen.refresh_from_db()
    assert chosen.channels == ["in_app", "sms", "wechat"]


def test_a_refused_channel_form_opens_again_on_the_360_page_with_what_was_typed(
    agent: User, customer_a: Customer, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    client = Client()
    client.force_login(agent)
    url = f"/service/customers/{customer_a.account_no}/channels/"
    typed = {
        "channels": ["wechat", "email"],
        "email": "not-an-address",
        "quiet_start": "21:45",
        "quiet_end": "06:15",
    }
    response = client.post(url, typed, follow=True)
    html = response.content.decode()
    form = html.split('data-testid="channels-form"', 1)[1].split("</form>", 1)[0]
    assert "<details open>" in html
    assert "The channels were not saved; see the form." in html
    assert "WeChat messages need the customer&#x27;s WeChat openid." in form
    assert "Enter a valid e-mail address." in form
    assert 'value="not-an-address"' in form
    assert 'value="21:45"' in form
    assert 'value="06:15"' in form
    assert 'value="wechat" checked' in form
    assert 'value="email" checked' in form
    assert not ChannelPreference.objects.exists()
    # Shown once: the next visit shows the form closed, with what is stored.
    again = client.get(customer_a.get_absolute_url()).content.decode()
    assert "<details open>" not in again
    assert "not-an-address" not in again
