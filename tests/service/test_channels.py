"""Notifications that arrive: an outage notice for station A reaches A's customers in the
portal inbox, by SMS through a local HTTP gateway and by e-mail through a local SMTP
server, and none of station B's; a failing gateway is retried with backoff until the
delivery fails with the reason; a re-run or a crash never sends a message twice; quiet
hours hold SMS back but not emergencies."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.service import delivery as delivery_module
from gridcrm.service.models import DeliveryAttempt, Notice, NoticeDelivery, ServiceEvent
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.service.services import (
    channel_preferences_set,
    deliveries_send_due,
    message_send_now,
    notice_mark_read,
)
from gridcrm.service.transports import NOT_CONFIGURED
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_customer, make_user
from tests.service.conftest import Gateway, Mailbox, local

pytestmark = pytest.mark.django_db

NOW = local(2025, 6, 2, 9, 0)
OUTAGE = local(2025, 6, 16, 8, 0)
SWEEP = local(2025, 6, 10, 10, 0)  # every customer's lead (7 or 10 days) has begun


@pytest.fixture
def town(regions: Regions, planner: User) -> dict[str, Customer]:
    """Two households of station A (one wants e-mail too) and one of station B."""
    made = {
        "a1": make_customer(regions.station_a1, "0100000021", "李一", phone="13900000001"),
        "a2": make_customer(regions.station_a1, "0100000022", "李二", phone="13900000002"),
        "b1": make_customer(regions.station_b1, "0200000023", "李三", phone="13900000003"),
    }
    channel_preferences_set(
        customer=made["a1"],
        channels=["sms", "email"],
        email="li.yi@example.cn",
        acting_user=planner,
    )
    return made


def _outage(actor: User, station: str, *, emergency: bool = False) -> Notice:
    notice = notice_create(
        kind="outage",
        topic="outage",
        title="北大街计划停电",
        body="因线路检修，计划停电。",
        acting_user=actor,
        targets=[Target("station", station)],
        outage_start=OUTAGE,
        outage_end=OUTAGE + dt.timedelta(hours=6),
        emergency=emergency,
    )
    return notice_publish(notice=notice, acting_user=actor, now=NOW)


def _rows(notice: Notice) -> dict[tuple[str, str], NoticeDelivery]:
    return {
        (d.customer.account_no, d.channel): d
        for d in NoticeDelivery.objects.filter(notice=notice).select_related("customer")
    }


def test_an_outage_notice_for_station_a_reaches_a_by_every_channel_and_b_by_none(
    planner: User,
    regions: Regions,
    town: dict[str, Customer],
    gateway: Gateway,
    smtp_server: Mailbox,
) -> None:
    notice = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=SWEEP)
    rows = _rows(notice)
    assert {k: d.status for k, d in rows.items()} == {
        ("0100000021", "in_app"): "sent",
        ("0100000021", "sms"): "sent",
        ("0100000021", "email"): "sent",
        ("0100000022", "in_app"): "sent",
        ("0100000022", "sms"): "sent",
    }
    # The gateway got one signed SMS per customer of A, each with its key; none of B's.
    assert gateway.bad_signatures == 0
    assert sorted(m["to"] for m in gateway.requests) == ["13900000001", "13900000002"]
    assert "13900000003" not in str(gateway.requests)
    assert sorted(gateway.keys()) == sorted(
        rows[(a, "sms")].idempotency_key for a in ("0100000021", "0100000022")
    )
    assert all("北大街计划停电" in m["text"] for m in gateway.requests)
    # The SMTP server got the e-mail for the customer who asked for it.
    assert smtp_server.recipients() == ["li.yi@example.cn"]
    mail = message_from_bytes(smtp_server.envelopes[0].original_content or b"", policy=default)
    assert mail["Subject"] == "北大街计划停电"
    assert "因线路检修" in mail.get_body().get_content()  # type: ignore[union-attr]
    # Every try is in the log, the phone masked.
    sms_try = DeliveryAttempt.objects.get(delivery=rows[("0100000021", "sms")])
    assert (sms_try.status, sms_try.recipient) == ("sent", "139****0001")
    assert not NoticeDelivery.objects.filter(customer=town["b1"]).exists()


def test_running_the_sweep_again_sends_nothing_twice(
    planner: User,
    regions: Regions,
    town: dict[str, Customer],
    gateway: Gateway,
    smtp_server: Mailbox,
) -> None:
    _outage(planner, regions.station_a1.code)
    first = deliveries_send_due(now=SWEEP)
    assert first == 5
    again = deliveries_send_due(now=SWEEP + dt.timedelta(hours=1))
    assert again == 0
    assert len(gateway.keys()) == len(set(gateway.keys())) == 2
    assert len(smtp_server.envelopes) == 1
    assert DeliveryAttempt.objects.count() == 5


def test_a_failing_gateway_is_retried_with_backoff_and_ends_failed_with_the_reason(
    planner: User,
    regions: Regions,
    town: dict[str, Customer],
    gateway: Gateway,
    settings: Any,
) -> None:
    settings.GRIDCRM_DELIVERY_MAX_ATTEMPTS = 3
    settings.GRIDCRM_DELIVERY_BACKOFF_SECONDS = 60
    gateway.answer = 500
    notice = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=SWEEP)
    sms = _rows(notice)[("0100000022", "sms")]
    assert (sms.status, sms.attempts) == ("scheduled", 1)
    assert sms.next_try_at == SWEEP + dt.timedelta(seconds=60)
    # Before the backoff has passed nothing is tried again.
    deliveries_send_due(now=SWEEP + dt.timedelta(seconds=59))
    assert len(gateway.requests) == 2
    deliveries_send_due(now=SWEEP + dt.timedelta(seconds=60))
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("scheduled", 2)
    assert sms.next_try_at == SWEEP + dt.timedelta(seconds=60 + 120)  # doubled
    deliveries_send_due(now=SWEEP + dt.timedelta(seconds=180))
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("failed", 3)
    assert sms.next_try_at is None
    assert "500" in sms.detail
    tries = DeliveryAttempt.objects.filter(delivery=sms).order_by("number")
    assert [(t.number, t.status) for t in tries] == [(1, "failed"), (2, "failed"), (3, "failed")]
    assert all("500" in t.reason for t in tries)
    # Every try carried the same key; the in-app deliveries were never held up.
    assert {k for k in gateway.keys() if k.endswith(str(town["a2"].pk) + "-sms")} == {
        sms.idempotency_key
    }
    assert _rows(notice)[("0100000022", "in_app")].status == "sent"
    deliveries_send_due(now=SWEEP + dt.timedelta(days=1))
    assert len(gateway.requests) == 6  # two deliveries, three tries each, then no more


def test_an_unreachable_gateway_fails_with_that_reason(
    planner: User, regions: Regions, town: dict[str, Customer], settings: Any
) -> None:
    settings.GRIDCRM_SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # the discard port: closed
    settings.GRIDCRM_SMS_GATEWAY_SECRET = "s"
    settings.GRIDCRM_DELIVERY_MAX_ATTEMPTS = 1
    notice = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=SWEEP)
    sms = _rows(notice)[("0100000022", "sms")]
    assert sms.status == "failed"
    assert "unreachable" in sms.detail


def test_a_crash_between_sending_and_recording_does_not_send_twice(
    planner: User,
    regions: Regions,
    town: dict[str, Customer],
    gateway: Gateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notice = _outage(planner, regions.station_a1.code)

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the worker dies after the gateway took the message

    monkeypatch.setattr(delivery_module, "_record", crash)
    with pytest.raises(KeyboardInterrupt):
        deliveries_send_due(now=SWEEP, channels=("sms",))
    monkeypatch.undo()
    stranded = NoticeDelivery.objects.get(status="sending")
    # A sweep soon after leaves the claimed row alone: the first worker may be alive.
    assert deliveries_send_due(now=SWEEP + dt.timedelta(minutes=1), channels=("sms",)) == 1
    stranded.refresh_from_db()
    assert stranded.status == "sending"
    # Later the row is taken for crashed and sent again with the same key: the gateway
    # keeps each message once.
    deliveries_send_due(now=SWEEP + dt.timedelta(minutes=11), channels=("sms",))
    stranded.refresh_from_db()
    assert (stranded.status, stranded.attempts) == ("sent", 2)
    assert gateway.keys().count(stranded.idempotency_key) == 2
    assert list(gateway.taken) == sorted(
        {d.idempotency_key for d in NoticeDelivery.objects.filter(notice=notice, channel="sms")},
        key=gateway.keys().index,
    )


def test_quiet_hours_postpone_sms_to_eight_but_not_the_inbox_nor_emergencies(
    planner: User, regions: Regions, town: dict[str, Customer], gateway: Gateway
) -> None:
    night = local(2025, 6, 10, 23, 30)
    calm = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=night)
    rows = _rows(calm)
    assert rows[("0100000022", "in_app")].status == "sent"
    assert rows[("0100000022", "sms")].status == "scheduled"
    assert rows[("0100000022", "sms")].next_try_at == local(2025, 6, 11, 8, 0)
    assert gateway.requests == []
    deliveries_send_due(now=local(2025, 6, 11, 7, 59))
    assert gateway.requests == []
    deliveries_send_due(now=local(2025, 6, 11, 8, 0))
    assert len(gateway.requests) == 2

    urgent = _outage(planner, regions.station_a1.code, emergency=True)
    deliveries_send_due(now=night + dt.timedelta(days=1))
    assert _rows(urgent)[("0100000022", "sms")].status == "sent"


def test_a_customers_own_quiet_hours_apply(
    planner: User, regions: Regions, town: dict[str, Customer], gateway: Gateway
) -> None:
    channel_preferences_set(
        customer=town["a2"],
        channels=["sms"],
        quiet_start=dt.time(12, 0),
        quiet_end=dt.time(14, 0),
        acting_user=planner,
    )
    notice = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=local(2025, 6, 10, 23, 0), channels=("sms",))
    rows = _rows(notice)
    assert rows[("0100000022", "sms")].status == "sent"
    assert rows[("0100000021", "sms")].status == "scheduled"  # the default 22:00–08:00


def test_a_channel_without_configuration_fails_its_deliveries_and_says_so(
    planner: User, regions: Regions, town: dict[str, Customer]
) -> None:
    notice = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=SWEEP)
    rows = _rows(notice)
    for key in (("0100000021", "sms"), ("0100000021", "email"), ("0100000022", "sms")):
        assert (rows[key].status, rows[key].detail) == ("failed", str(NOT_CONFIGURED))
    assert not NoticeDelivery.objects.filter(status="logged").exists()


# --- one-off messages --------------------------------------------------------------------


def test_a_login_code_is_sent_at_once_and_logged_without_the_code(
    gateway: Gateway, db: None
) -> None:
    sent = message_send_now(
        channel="sms",
        to="13900000009",
        text="您的登录验证码是 482913，5分钟内有效。",
        purpose="portal_login",
        idempotency_key="otp-1",
    )
    assert sent.status == "sent"
    assert gateway.requests[0]["text"] == "您的登录验证码是 482913，5分钟内有效。"
    logged = DeliveryAttempt.objects.get(idempotency_key="otp-1")
    assert "482913" not in logged.text
    assert "482913" not in str(ServiceEvent.objects.filter(kind="message_sent").values())
    assert logged.recipient == "139****0009"
    # The same key again is the same message: not sent twice.
    again = message_send_now(
        channel="sms",
        to="13900000009",
        text="x 482913",
        purpose="portal_login",
        idempotency_key="otp-1",
    )
    assert again.pk == sent.pk
    assert len(gateway.requests) == 1


def test_a_login_code_ignores_quiet_hours(gateway: Gateway, settings: Any, db: None) -> None:
    # message_send_now has no schedule at all: it is sent in the call, at any hour.
    message_send_now(
        channel="sms",
        to="13900000009",
        text="验证码 1234",
        purpose="portal_register",
        idempotency_key="otp-night",
    )
    assert gateway.keys() == ["otp-night"]


def test_a_failing_gateway_refuses_the_code_with_a_code_and_logs_the_try(
    gateway: Gateway, db: None
) -> None:
    gateway.answer = 500
    with pytest.raises(DomainError) as failed:
        message_send_now(
            channel="sms",
            to="13900000009",
            text="验证码 775533",
            purpose="portal_login",
            idempotency_key="otp-2",
        )
    assert failed.value.code == "service.channel_failed"
    logged = DeliveryAttempt.objects.get(idempotency_key="otp-2")
    assert (logged.status, "500" in logged.reason) == ("failed", True)


def test_a_code_through_an_unconfigured_channel_is_refused(db: None) -> None:
    with pytest.raises(DomainError) as failed:
        message_send_now(
            channel="sms",
            to="13900000009",
            text="验证码 775533",
            purpose="portal_login",
            idempotency_key="otp-3",
        )
    assert failed.value.code == "service.channel_failed"
    assert DeliveryAttempt.objects.get(idempotency_key="otp-3").reason == str(NOT_CONFIGURED)


# --- read receipts ------------------------------------------------------------------------


def test_reading_a_notice_in_the_inbox_is_recorded_once(
    planner: User, regions: Regions, town: dict[str, Customer], gateway: Gateway
) -> None:
    login = make_user("li2", Role.CUSTOMER)
    Customer.objects.filter(pk=town["a2"].pk).update(portal_user=login)
    notice = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=SWEEP)
    notice_mark_read(notice=notice, customer=town["a2"], acting_user=login)
    first = _rows(notice)[("0100000022", "in_app")].read_at
    assert first is not None
    notice_mark_read(notice=notice, customer=town["a2"], acting_user=login)
    assert _rows(notice)[("0100000022", "in_app")].read_at == first
    assert ServiceEvent.objects.filter(kind="notice_read", notice=notice).count() == 1


def test_reading_a_policy_writes_its_in_app_delivery(
    planner: User, manager: User, regions: Regions, town: dict[str, Customer]
) -> None:
    login = make_user("li2", Role.CUSTOMER)
    Customer.objects.filter(pk=town["a2"].pk).update(portal_user=login)
    policy = notice_create(
        kind="policy",
        topic="tariff",
        title="分时电价调整",
        body="自7月1日起。",
        acting_user=manager,
    )
    notice_publish(notice=policy, acting_user=manager, now=NOW)
    notice_mark_read(notice=policy, customer=town["a2"], acting_user=login)
    row = NoticeDelivery.objects.get(notice=policy, customer=town["a2"])
    assert (row.channel, row.status, row.read_at is not None) == ("in_app", "sent", True)


def test_a_notice_for_another_station_cannot_be_marked_read(
    planner: User, regions: Regions, town: dict[str, Customer], gateway: Gateway
) -> None:
    login = make_user("li3", Role.CUSTOMER)
    Customer.objects.filter(pk=town["b1"].pk).update(portal_user=login)
    notice = _outage(planner, regions.station_a1.code)
    deliveries_send_due(now=SWEEP)
    with pytest.raises(DomainError) as refused:
        notice_mark_read(notice=notice, customer=town["b1"], acting_user=login)
    assert refused.value.code == "service.notice_not_found"
    # Nor for a customer the login does not hold.
    with pytest.raises(DomainError) as other:
        notice_mark_read(notice=notice, customer=town["a2"], acting_user=login)
    assert other.value.code == "service.notice_not_found"
    assert not NoticeDelivery.objects.filter(customer=town["b1"]).exists()


def test_a_second_sweep_that_read_the_rows_before_the_first_claimed_them_sends_nothing(
    planner: User, regions: Regions, town: dict[str, Customer], gateway: Gateway
) -> None:
    _outage(planner, regions.station_a1.code)
    # The second worker read the due rows, then the first sent them all.
    read_by_second = list(
        NoticeDelivery.objects.filter(channel="sms").select_related("notice", "customer")
    )
    deliveries_send_due(now=SWEEP)
    assert len(gateway.requests) == 2
    for stale in read_by_second:
        assert delivery_module._deliver(stale, None, now=SWEEP) == 0
    assert len(gateway.requests) == 2
    assert DeliveryAttempt.objects.filter(channel="sms").count() == 2
