"""Two customers of different stations: every portal page and portal API endpoint of one
answers 404 to the other, and customer logins get nothing from staff pages and the staff
API (the notices leak of issue 17)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from gridcrm.api import api
from gridcrm.portal.models import Binding
from gridcrm.service.models import ServiceRequest
from gridcrm.service.notices import Target, deliveries_send_due, notice_create, notice_publish
from gridcrm.users.models import User
from tests.conftest import PASSWORD
from tests.portal.conftest import Holder


def _portal_patterns() -> list[URLPattern]:
    resolver = get_resolver()
    portal = next(
        p for p in resolver.url_patterns if isinstance(p, URLResolver) and p.namespace == "portal"
    )
    return [p for p in portal.url_patterns if isinstance(p, URLPattern)]


# A body every portal write accepts (extra keys are ignored), so that only scope answers.
VALID_BODY = json.dumps(
    {"type": "enquiry", "values": {"question": "?"}, "rating": 5, "comment": "", "proof": "x"}
)


def _api_operations() -> list[tuple[str, str]]:
    schema: dict[str, Any] = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/portal/")
        for method in operations
    ]


@pytest.fixture
def b_things(holder_b: Holder, collector_b: User) -> dict[str, int | str]:
    """B's account number, one of B's requests, one of B's notices and B's binding."""
    from gridcrm.portal.services import request_file

    filed = request_file(
        user=holder_b.user,
        customer=holder_b.customer,
        type_code="enquiry",
        values={"question": "电价怎么算？"},
    )
    notice = notice_create(
        kind="outage",
        topic="outage",
        title="秀水供电所计划停电",
        body="检修线路。",
        targets=[Target(scope="station", value=holder_b.customer.region.code)],
        outage_start=timezone.now() + dt.timedelta(days=10),
        outage_end=timezone.now() + dt.timedelta(days=10, hours=6),
        acting_user=collector_b,
    )
    notice_publish(notice=notice, acting_user=collector_b)
    deliveries_send_due(now=timezone.now() + dt.timedelta(days=10))
    return {
        "account_no": holder_b.customer.account_no,
        "pk": filed.pk,
        "notice": notice.pk,
        "binding": Binding.objects.get(user=holder_b.user).pk,
    }


def test_every_portal_page_of_b_is_404_for_a(holder_a: Holder, b_things: dict[str, Any]) -> None:
    client = Client()
    client.login(username=holder_a.user.username, password=PASSWORD)
    walked = 0
    for pattern in _portal_patterns():
        names = set(pattern.pattern.regex.groupindex)
        if not names:
            continue
        kwargs = {name: b_things["account_no" if name == "account_no" else "pk"] for name in names}
        if pattern.name == "notice":
            kwargs["pk"] = b_things["notice"]
        if pattern.name == "staff_unbind":
            kwargs["pk"] = b_things["binding"]
        path = "/portal/" + str(pattern.pattern)
        path = path.replace("<str:account_no>", str(kwargs.get("account_no", "")))
        path = path.replace("<int:pk>", str(kwargs.get("pk", "")))
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 404, (method, path, response.status_code)
            walked += 1
    assert walked >= 20
    assert ServiceRequest.objects.get(pk=b_things["pk"]).rating is None
    assert Binding.objects.get(pk=b_things["binding"]).unbound_at is None


def test_every_portal_api_endpoint_of_b_is_404_for_a(
    holder_a: Holder, b_things: dict[str, Any]
) -> None:
    client = Client()
    walked = 0
    for method, path in _api_operations():
        if "{" not in path:
            continue
        filled = path.replace("{account_no}", b_things["account_no"])
        filled = filled.replace("{request_id}", str(b_things["pk"]))
        filled = filled.replace("{notice_id}", str(b_things["notice"]))
        assert not re.search(r"\{", filled), filled
        # A's own account with B's request or notice is 404 too.
        own = path.replace("{account_no}", holder_a.customer.account_no)
        own = own.replace("{request_id}", str(b_things["pk"])).replace(
            "{notice_id}", str(b_things["notice"])
        )
        targets = [filled, own] if ("{request_id}" in path or "{notice_id}" in path) else [filled]
        for target in targets:
            response = client.generic(
                method,
                target,
                data=VALID_BODY,
                content_type="application/json",
                headers=holder_a.headers,
            )
            assert response.status_code == 404, (method, target, response.content)
            walked += 1
    assert walked >= 9


def test_a_customer_gets_no_staff_page_and_lands_on_the_portal(holder_a: Holder) -> None:
    client = Client()
    response = client.post(
        "/login/", {"username": holder_a.user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(f"/portal/a/{holder_a.customer.account_no}/")
    for path in (
        f"/customers/{holder_a.customer.account_no}/",
        "/service/notices/",
        "/service/requests/new/",
        "/credit/",
        "/load/tou/",
        "/jobs/",
    ):
        assert client.get(path).status_code == 404, path


def test_staff_never_use_the_portal(agent: User, holder_a: Holder) -> None:
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    assert client.get("/").status_code == 200
    assert client.get(f"/portal/a/{holder_a.customer.account_no}/").status_code == 404


def test_a_customer_token_gets_nothing_from_staff_endpoints(
    holder_a: Holder, b_things: dict[str, Any]
) -> None:
    """Every staff operation answers a customer's token 401, the notices list included
    (which answered every published notice, B's outage among them)."""
    schema: dict[str, Any] = api.get_openapi_schema()
    staff = [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, operations in schema["paths"].items()
        if not path.startswith("/api/portal/")
        for method, operation in operations.items()
        # The provider's signed delivery callback takes no user at all (channels.md).
        if operation.get("security")
    ]
    assert ("GET", "/api/service/notices") in staff
    client = Client()
    for method, path in staff:
        response = client.generic(
            method, path, data="{}", content_type="application/json", headers=holder_a.headers
        )
        assert response.status_code == 401, (method, path, response.content)
        assert "秀水".encode() not in response.content
    assert client.get("/api/portal/accounts", headers=holder_a.headers).status_code == 200
