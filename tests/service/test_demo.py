"""The service demo data: requests in every state, breaches, notices; deterministic."""

from __future__ import annotations

import io

import pytest

from gridcrm.demo.services import demo_build
from gridcrm.service.demo import demo_service_data
from gridcrm.service.models import (
    Breach,
    DeliveryAttempt,
    HolidayDay,
    Notice,
    NoticeDelivery,
    ServiceRequest,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_open_closed_and_overdue_requests_and_notices(settings: object) -> None:
    demo_build(customers=300, seed=3)
    out = io.StringIO()
    result = demo_service_data(seed=3, stdout=out, requests=120)
    assert result["requests"] > 100
    assert ServiceRequest.objects.filter(status="open").exists()
    assert ServiceRequest.objects.filter(status="done").exists()
    assert Breach.objects.exists()
    assert HolidayDay.objects.filter(name="春节", day__year__in=(2025, 2026)).count() == 17
    assert Notice.objects.filter(status="published", kind="outage").count() == 2
    # The past outage's log reads like real use, and no transport was faked to write it.
    past = Notice.objects.get(title__contains="已结束")
    log = NoticeDelivery.objects.filter(notice=past)
    assert {"in_app", "sms", "email"} <= set(log.values_list("channel", flat=True))
    assert {"sent", "delivered", "failed"} <= set(log.values_list("status", flat=True))
    assert log.filter(channel="in_app", read_at__isnull=False).exists()
    assert not log.filter(status__in=["scheduled", "logged"]).exists()
    assert set(
        DeliveryAttempt.objects.filter(delivery__notice=past).values_list("provider_ref", flat=True)
    ) == {"demo-history"}
    assert "Service:" in out.getvalue()
