"""One error vocabulary: every domain error has a kind, a code, and the kind's status,
and every error the API answers carries a code."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from django.test import Client

import gridcrm
from gridcrm.archive.models import Customer
from gridcrm.core.errors import Conflict, DomainError, Invalid, NotFound, Refused
from gridcrm.users.models import User

KINDS = (Refused, Invalid, Conflict, NotFound)


def _all_domain_errors() -> list[type[DomainError]]:
    for module in pkgutil.walk_packages(gridcrm.__path__, "gridcrm."):
        if ".migrations" not in module.name and not module.name.endswith(".wsgi"):
            importlib.import_module(module.name)
    found: list[type[DomainError]] = []
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_domain_error_is_of_one_kind_with_that_kinds_status_and_an_app_code() -> None:
    errors = [e for e in _all_domain_errors() if e not in KINDS]
    assert len(errors) > 30  # every app declares its own
    for error in errors:
        kinds = [kind for kind in KINDS if issubclass(error, kind)]
        assert len(kinds) == 1, error
        assert error.status == kinds[0].status, error
        if error.code not in {kind.code for kind in KINDS}:
            assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", error.code), (error, error.code)


def test_no_app_keeps_an_error_hierarchy_of_its_own() -> None:
    names = {e.__name__ for e in _all_domain_errors()}
    for old in ("ArchiveError", "ServiceError", "KeyAccountError", "LoadError", "CreditError"):
        assert old not in names


@pytest.mark.parametrize(
    ("who", "method", "url", "status", "code"),
    [
        (None, "get", "/api/me", 401, "unauthenticated"),
        ("collector_a", "get", "/api/customers/{b}", 404, "archive.customer_not_found"),
        ("collector_a", "get", "/api/jobs/999999", 404, "not_found"),
        ("collector_a", "get", "/api/customers?page=x", 422, "invalid"),
        ("collector_a", "get", "/api/lake/tables", 403, "lake."),
        ("collector_a", "post", "/api/customers", 403, "archive."),
        ("archivist", "post", "/api/customers", 422, "archive."),
    ],
)
def test_every_api_error_carries_a_code_and_the_status_of_its_kind(
    who: str | None,
    method: str,
    url: str,
    status: int,
    code: str,
    collector_a: User,
    archivist: User,
    customer_b: Customer,
    client: Client,
) -> None:
    if who is not None:
        client.force_login({"collector_a": collector_a, "archivist": archivist}[who])
    call = getattr(client, method)
    data: dict[str, object] | None = {"fields": {}} if method == "post" else None
    response = call(url.format(b=customer_b.account_no), data, content_type="application/json")
    assert response.status_code == status
    body = response.json()
    assert body["code"].startswith(code)
    assert "detail" in body
