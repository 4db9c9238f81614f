"""The safety cast: the standard cast plus an inspector of district A (and one of
district B), a class I hospital and a 10 kV factory in district A, the steel works of
district B (customer_b), and helpers that record an inspection through the service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridcrm.archive.models import Customer, TariffCategory, VoltageLevel
from gridcrm.safety.models import Hazard, Inspection
from gridcrm.safety.services import HazardIn, inspection_record
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import Regions, make_customer, make_user, uscc


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def business(region: Any, account_no: str, name: str, seed: int, **extra: Any) -> Customer:
    return make_customer(
        region,
        account_no,
        name,
        tariff_category=TariffCategory.GENERAL_CI,
        certificate_type="uscc",
        certificate_no=uscc(seed),
        voltage_level=VoltageLevel.KV10,
        contracted_kva=Decimal("800"),
        industry_code="Q8411",
        **extra,
    )


@pytest.fixture
def inspector_a(regions: Regions) -> User:
    return make_user("inspector_a", Role.INSPECTOR, regions.district_a)


@pytest.fixture
def inspector_b(regions: Regions) -> User:
    return make_user("inspector_b", Role.INSPECTOR, regions.district_b)


@pytest.fixture
def manager(regions: Regions) -> User:
    return make_user("manager", Role.MARKETING_MANAGER)


@pytest.fixture
def hospital(regions: Regions) -> Customer:
    """A class I important customer of station A2 (district A)."""
    return business(
        regions.station_a2, "0100000101", "阳泉市第一人民医院", 101, importance_class="class_1"
    )


@pytest.fixture
def factory(regions: Regions) -> Customer:
    """A 10 kV customer of station A1 that is not important."""
    return business(regions.station_a1, "0100000102", "阳泉市德胜机械厂", 102)


def today() -> dt.date:
    return timezone.localdate()


def record(
    inspector: User,
    customer: Customer,
    *hazards: tuple[str, str],
    days_ago: int = 0,
    deadline: dt.date | None = None,
) -> Inspection:
    """An inspection ``days_ago`` (recorded as on that day), with ``hazards``
    (description, severity)."""
    day = today() - dt.timedelta(days=days_ago)
    return inspection_record(
        account_no=customer.account_no,
        inspected_on=day,
        checklist={"grounding": "problem"} if hazards else {"grounding": "ok"},
        result=Inspection.Result.HAZARDS if hazards else Inspection.Result.PASSED,
        hazards=[HazardIn(text, severity, deadline) for text, severity in hazards],
        acting_user=inspector,
        today=day,
    )


def one_hazard(inspection: Inspection) -> Hazard:
    return inspection.hazards.get()


def token_client(user: User) -> tuple[Client, dict[str, str]]:
    """A client that enforces CSRF: a write that fell back to the session would fail."""
    return Client(enforce_csrf_checks=True), {
        "Authorization": f"Bearer {api_token_issue(user=user, name='phone')}"
    }
