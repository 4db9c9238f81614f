"""The service cast: the standard cast plus a manager, an administrator and credit grades."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.extensions import CREDIT_GRADE
from gridcrm.service.models import RequestType
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware local (Asia/Shanghai) datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The cast logs in with passwords; PBKDF2's cost is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager(regions: Regions) -> User:
    return make_user("manager", Role.MARKETING_MANAGER)


@pytest.fixture
def administrator(regions: Regions) -> User:
    return make_user("administrator", Role.ADMINISTRATOR)


@pytest.fixture
def planner(regions: Regions) -> User:
    return make_user("planner", Role.DEMAND_PLANNER)


@pytest.fixture(autouse=True)
def grades() -> Iterator[dict[str, str]]:
    """Credit grades by account number (others are A) while a test runs; service tests
    set the grades they need instead of rating customers through the credit app."""
    table: dict[str, str] = {}

    def provider(customer: Customer) -> str:
        return table.get(customer.account_no, "A")

    previous = CREDIT_GRADE.get()
    CREDIT_GRADE.install(provider)
    yield table
    CREDIT_GRADE.install(previous)


def rtype(code: str) -> RequestType:
    return RequestType.objects.get(code=code)
