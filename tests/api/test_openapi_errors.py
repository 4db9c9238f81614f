"""The OpenAPI document declares every status an operation answers, errors included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from gridcrm.api import api
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import Regions, make_user

SCHEMA: dict[str, Any] = api.get_openapi_schema()
OPERATIONS = [
    (method, path, operation)
    for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items()
]


def _declared(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


def test_every_operation_declares_the_error_answers_with_the_error_schema(
    client: Client, db: None
) -> None:
    served = client.get("/api/openapi.json").json()
    assert "ApiError" in served["components"]["schemas"]
    assert set(served["components"]["schemas"]["ApiError"]["properties"]) == {
        "code",
        "detail",
        "fields",
    }
    for path, operations in served["paths"].items():
        for method, operation in operations.items():
            statuses = {int(s) for s in operation["responses"]}
            assert {401, 403, 404, 422} <= statuses, (method, path)
            if method != "get":
                assert 409 in statuses, (method, path)
            ref = operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ApiError"


def _filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.fixture
def callers(regions: Regions) -> dict[str, dict[str, str]]:
    """Headers of no one, a customer (the narrowest role), a collector and an administrator."""
    users: dict[str, User] = {
        "customer": make_user("portal", Role.CUSTOMER),
        "collector": make_user("collector", Role.REGIONAL_COLLECTOR, regions.station_a1),
        "admin": make_user("admin", Role.ADMINISTRATOR),
    }
    headers = {
        name: {"Authorization": f"Bearer {api_token_issue(user=user, name='probe')}"}
        for name, user in users.items()
    }
    return {"nobody": {}, **headers}


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_every_status_an_operation_answers_is_declared(
    method: str, path: str, operation: dict[str, Any], callers: dict[str, dict[str, str]]
) -> None:
    client = Client()
    bodies: list[str | None] = [None] if method == "get" else ["{}", '{"x": "\\ud800"}', "not json"]
    answered = set()
    for headers in callers.values():
        for body in bodies:
            kwargs: dict[str, Any] = {"headers": headers}
            if body is not None:
                kwargs |= {"data": body, "content_type": "application/json"}
            response = client.generic(method.upper(), _filled(path), **kwargs)
            answered.add(response.status_code)
            if response.status_code >= 400:
                assert "code" in response.json()
    assert answered <= _declared(operation), answered - _declared(operation)
