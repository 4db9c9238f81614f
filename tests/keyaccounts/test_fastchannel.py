"""The fast channel: a key account's request gets priority 1 and tighter limits than the
same request through the general queue; non-key accounts and outsiders are refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from gridcrm.keyaccounts.errors import KeyAccountError
from gridcrm.keyaccounts.fastchannel import fast_request_create
from gridcrm.keyaccounts.models import Event, KeyAccount
from gridcrm.service.models import RequestType, ServiceRequest
from gridcrm.service.services import request_create
from tests.keyaccounts.conftest import Cast

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("code", ["fault_repair", "increase_hv"])
def test_a_fast_request_beats_a_general_one(cast: Cast, code: str) -> None:
    request_type = RequestType.objects.get(code=code)
    general = request_create(
        customer=cast.mine.customer,
        request_type=request_type,
        channel="phone",
        summary="普通渠道",
        actor=cast.owner,
        now=NOW,
    )
    fast = fast_request_create(
        account=cast.mine,
        request_type=request_type,
        summary="大客户绿色通道",
        actor=cast.owner,
        now=NOW,
    )
    assert fast.channel == "fast_channel"
    assert fast.priority == 1 <= general.priority
    assert fast.due_at < general.due_at
    assert fast.limit_factor <= general.limit_factor / 2
    assert Event.objects.filter(key_account=cast.mine, kind=Event.Kind.FAST).count() == 1


def test_it_refuses_an_account_off_the_roster(cast: Cast) -> None:
    KeyAccount.objects.filter(pk=cast.mine.pk).update(active=False)
    cast.mine.refresh_from_db()
    with pytest.raises(KeyAccountError):
        fast_request_create(
            account=cast.mine,
            request_type=RequestType.objects.get(code="fault_repair"),
            summary="x",
            actor=cast.owner,
        )
    assert not ServiceRequest.objects.exists()


def test_a_specialist_cannot_file_a_fast_request(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        fast_request_create(
            account=cast.mine,
            request_type=RequestType.objects.get(code="fault_repair"),
            summary="x",
            actor=cast.specialist,
        )
    assert not ServiceRequest.objects.exists()


def test_the_manager_files_from_the_account_page(cast: Cast, client: Client) -> None:
    client.force_login(cast.owner)
    request_type = RequestType.objects.get(code="fault_repair")
    response = client.post(
        "/keyaccounts/a/0300000001/fast/",
        {"request_type": str(request_type.pk), "summary": "10kV进线开关跳闸"},
    )
    assert response.status_code == 302
    made = ServiceRequest.objects.get()
    assert (made.channel, made.priority, made.summary) == ("fast_channel", 1, "10kV进线开关跳闸")
    page = client.get("/keyaccounts/a/0300000001/")
    assert f'data-testid="fast-{made.pk}"'.encode() in page.content
