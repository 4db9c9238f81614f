"""The service cast: the standard cast plus a manager, an administrator and credit grades."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gridcrm.archive.models import Customer
from gridcrm.core.extensions import CREDIT_GRADE
from gridcrm.service.models import RequestType
from gridcrm.service.transports.gateway import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
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


# --- local SMTP server and HTTP gateway for the channel tests ---------------------------

GATEWAY_SECRET = "test-shared-secret"


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def recipients(self) -> list[str]:
        return [to for e in self.envelopes for to in e.rcpt_tos]


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server on a free local port, and the settings that point at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.DEFAULT_FROM_EMAIL = "国网阳泉供电公司 <notice@yq.example.cn>"
    yield box
    controller.stop()


@dataclass
class Gateway:
    """A local SMS/WeChat gateway that checks each request's signature and, like a real
    provider, takes a message once per idempotency key (a repeat is answered but dropped).
    ``answer`` is the HTTP status it answers with (500: the provider is failing)."""

    server: HTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)
    bad_signatures: int = 0
    answer: int = 200

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        if not verify(
            secret=GATEWAY_SECRET,
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            window=60,
        ):
            self.bad_signatures += 1
            return Response('{"error": "signature"}', status=401)
        message = json.loads(body)
        self.requests.append(message)
        if self.answer != 200:
            return Response('{"error": "internal"}', status=self.answer)
        self.taken.setdefault(message["idempotency_key"], message)
        return Response(json.dumps({"id": f"p-{len(self.taken)}"}), status=200)

    def keys(self) -> list[str]:
        """The key of every request it received, repeats included."""
        return [m["idempotency_key"] for m in self.requests]


@pytest.fixture
def gateway(httpserver: HTTPServer, settings: Any) -> Gateway:
    """The local gateway, configured as the SMS and WeChat channels' provider."""
    gw = Gateway(httpserver)
    httpserver.expect_request("/send", method="POST").respond_with_handler(gw.handle)
    for channel in ("SMS", "WECHAT"):
        setattr(settings, f"GRIDCRM_{channel}_GATEWAY_URL", httpserver.url_for("/send"))
        setattr(settings, f"GRIDCRM_{channel}_GATEWAY_SECRET", GATEWAY_SECRET)
    settings.GRIDCRM_WECHAT_TEMPLATE_ID = "OUTAGE-TPL-1"
    return gw
