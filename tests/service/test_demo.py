"""The service demo data: requests in every state, breaches, notices; deterministic."""

from __future__ import annotations

import io

import pytest

from gridcrm.demo.services import demo_build
from gridcrm.service.demo import demo_service_data
from gridcrm.service.models import Breach, HolidayDay, Notice, NoticeDelivery, ServiceRequest

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
    assert Notice.objects.filter(status="published", kind="outage").count() == 1
    assert NoticeDelivery.objects.exists()
    assert "Service:" in out.getvalue()
