"""Registration with a mobile number and a one-time code sent through the SMS channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer

from gridcrm.core.errors import DomainError
from gridcrm.portal import services
from gridcrm.portal.models import OneTimeCode, PortalEvent

PHONE = "13812345678"
PASSWORD = "Pylon-Grid-7731"
pytestmark = pytest.mark.usefixtures("regions")


def _refusals(code: str) -> int:
    return PortalEvent.objects.filter(kind="refused", details__code=code).count()


def test_a_person_registers_with_the_code_from_the_sms(
    sms_code: Callable[[str], str], client: Client
) -> None:
    response = client.post("/portal/register/", {"phone": PHONE, "action": "send"})
    assert response.status_code == 200
    code = sms_code(PHONE)
    stored = OneTimeCode.objects.get(phone=PHONE)
    assert code not in stored.code_hash  # only a keyed hash is kept
    response = client.post(
        "/portal/register/",
        {
            "phone": PHONE,
            "code": code,
            "password": PASSWORD,
            "full_name": "李娜",
            "action": "register",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/bind/"
    user = get_user_model().objects.get(username=PHONE)
    assert [g.name for g in user.groups.all()] == ["customer"]
    assert client.get("/portal/bind/").status_code == 200
    assert PortalEvent.objects.filter(kind="registered", phone=PHONE).exists()


def _refused(call: Callable[[], object]) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def test_a_wrong_code_is_refused_counted_and_logged(sms_code: Callable[[str], str]) -> None:
    services.code_send(phone=PHONE, ip="10.0.0.1")
    right = sms_code(PHONE)
    wrong = "000000" if right != "000000" else "111111"

    def register(code: str) -> object:
        return services.register(
            phone=PHONE, code=code, password=PASSWORD, full_name="", ip="10.0.0.1"
        )

    assert _refused(lambda: register(wrong)) == "portal.code_wrong"
    assert not get_user_model().objects.filter(username=PHONE).exists()
    assert OneTimeCode.objects.get(phone=PHONE).attempts == 1
    assert _refusals("portal.code_wrong") == 1
    for _ in range(4):
        assert _refused(lambda: register(wrong)) == "portal.code_wrong"
    # Five wrong tries burn the code: even the right one is refused now.
    assert _refused(lambda: register(right)) == "portal.too_many_attempts"
    assert not get_user_model().objects.filter(username=PHONE).exists()


def test_an_expired_code_is_refused(sms_code: Callable[[str], str]) -> None:
    sent_at = timezone.now() - dt.timedelta(minutes=11)
    services.code_send(phone=PHONE, ip=None, now=sent_at)
    code = sms_code(PHONE)
    assert (
        _refused(
            lambda: services.register(
                phone=PHONE, code=code, password=PASSWORD, full_name="", ip=None
            )
        )
        == "portal.code_expired"
    )
    assert not get_user_model().objects.filter(username=PHONE).exists()


def test_codes_are_throttled_per_phone_and_per_address(sms_gateway: HTTPServer) -> None:
    start = timezone.now() - dt.timedelta(minutes=30)
    services.code_send(phone=PHONE, ip="10.0.0.2", now=start)
    # Again within the minute: the resend cooldown.
    assert (
        _refused(
            lambda: services.code_send(
                phone=PHONE, ip="10.0.0.2", now=start + dt.timedelta(seconds=30)
            )
        )
        == "portal.resend_cooldown"
    )
    for n in range(1, 5):
        services.code_send(phone=PHONE, ip="10.0.0.2", now=start + dt.timedelta(minutes=2 * n))
    assert (
        _refused(
            lambda: services.code_send(
                phone=PHONE, ip="10.0.0.3", now=start + dt.timedelta(minutes=20)
            )
        )
        == "portal.throttled"
    )
    # One address asking codes for many phones is stopped too.
    for n in range(15):
        services.code_send(
            phone=f"1370000{n:04d}", ip="10.0.0.2", now=start + dt.timedelta(minutes=21)
        )
    assert (
        _refused(
            lambda: services.code_send(
                phone="13799999999", ip="10.0.0.2", now=start + dt.timedelta(minutes=22)
            )
        )
        == "portal.throttled"
    )
    assert OneTimeCode.objects.filter(phone="13799999999").count() == 0


def test_not_a_mobile_number_and_a_registered_one_are_refused(sms_gateway: HTTPServer) -> None:
    assert _refused(lambda: services.code_send(phone="0353-1234567", ip=None)) == "portal.invalid"
    get_user_model().objects.create_user(username=PHONE, password=PASSWORD)
    assert _refused(lambda: services.code_send(phone=PHONE, ip=None)) == "portal.phone_taken"
    assert OneTimeCode.objects.count() == 0
    assert len(sms_gateway.log) == 0


def test_the_page_shows_the_refusal_with_its_code(sms_gateway: HTTPServer, client: Client) -> None:
    response = client.post("/portal/register/", {"phone": "12345", "action": "send"})
    assert b'data-code="portal.invalid"' in response.content
