"""The portal's cast: two customer logins holding accounts of two stations, an SMS gateway
started by the test (codes are read from what it received), and bearer tokens."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from gridcrm.archive.models import Customer
from gridcrm.portal.services import account_bind
from gridcrm.service.models import ServiceRequest
from gridcrm.service.services import request_step_complete
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import make_user


@pytest.fixture
def sms_gateway(httpserver: HTTPServer, settings: Any) -> HTTPServer:
    """The SMS channel pointed at a local HTTP gateway that accepts every message."""
    settings.GRIDCRM_SMS_GATEWAY_URL = httpserver.url_for("/sms")
    settings.GRIDCRM_SMS_GATEWAY_SECRET = "test-secret"
    httpserver.expect_request("/sms", method="POST").respond_with_json({"id": "m1"})
    return httpserver


@pytest.fixture
def sms_code(sms_gateway: HTTPServer) -> Callable[[str], str]:
    """The last code the gateway received for a phone (read from the SMS text)."""

    def read(phone: str) -> str:
        for request, _response in reversed(sms_gateway.log):
            body = json.loads(request.get_data())
            if body.get("to") == phone:
                found = re.search(r"\d{6}", body["text"])
                assert found is not None, body
                return found.group(0)
        raise AssertionError(f"no SMS to {phone}")

    return read


def portal_user(username: str) -> User:
    return make_user(username, Role.CUSTOMER)


@dataclass
class Holder:
    user: User
    customer: Customer
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def holder_a(customer_a: Customer) -> Holder:
    """A login holding household A (station A1), bound on the ID number's last six."""
    user = portal_user("13900000001")
    account_bind(user=user, account_no=customer_a.account_no, proof=customer_a.certificate_no[-6:])
    return Holder(user, customer_a, api_token_issue(user=user, name="app"))


@pytest.fixture
def holder_b(customer_b: Customer) -> Holder:
    """A contact of the steel works B (station B1), bound on the exact company name."""
    user = portal_user("13900000002")
    account_bind(user=user, account_no=customer_b.account_no, proof=customer_b.name)
    return Holder(user, customer_b, api_token_issue(user=user, name="app"))


def close_request(request: ServiceRequest) -> ServiceRequest:
    """Work every step through with a user of its owner role."""
    workers: dict[str, User] = {}
    while request.status == ServiceRequest.Status.OPEN:
        step = request.steps.get(status="active")
        role = step.owner_role
        if role not in workers:
            workers[role] = make_user(f"w_{role}", Role(role), request.customer.region)
        request = request_step_complete(
            request=request, step_code=step.code, acting_user=workers[role]
        )
        request.refresh_from_db()
    return request
