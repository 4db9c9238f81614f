"""The API keeps its OpenAPI contract for every operation, as a broad and a narrow role.

schemathesis generates requests from the document at ``/api/openapi.json`` (valid and
invalid parameters and bodies) and sends each one with the bearer token of a marketing
manager (company-wide) and of a regional collector (one supply station) to the WSGI
application, over a small demo company. Every answer must be no server error, a status
code the document declares, of the declared content type, and match the declared schema.

Path parameters are mostly mapped onto records that exist in the demo, so reads find
something and writes change it (the database is the test's own, rolled back after).
Bounded to fit CI: ``MAX_EXAMPLES`` per operation, derandomized (the same cases each
run), no deadline per example, no shrinking of a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, models, transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings
from pytest_django import DjangoDbBlocker
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gridcrm.api import api
from gridcrm.archive.models import ChangeRequest, Customer
from gridcrm.credit.models import CreditEvent
from gridcrm.jobs.models import Job
from gridcrm.keyaccounts.models import Need
from gridcrm.lake.models import LakeImport
from gridcrm.load.models import Plan
from gridcrm.service.models import GraceRequest, HolidayDay, Notice, ServiceRequest
from gridcrm.users.models import User
from gridcrm.users.services import api_token_issue

pytestmark = pytest.mark.schemathesis

CUSTOMERS = 120
MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The broad role reads and writes company-wide; the narrow one one station's customers.
ROLES = {"broad": "manager", "narrow": "collector"}

# Which records a path parameter names, by the path it is in.
RECORDS: dict[tuple[str, str], type[models.Model]] = {
    ("/api/change-requests/", "pk"): ChangeRequest,
    ("/api/jobs/", "job_id"): Job,
    ("/api/lake/imports/", "import_id"): LakeImport,
    ("/api/load/plans/", "plan_id"): Plan,
    ("/api/service/notices/", "pk"): Notice,
    ("/api/service/requests/", "pk"): ServiceRequest,
    ("/api/service/grace/", "pk"): GraceRequest,
    ("/api/credit/events/", "event_id"): CreditEvent,
    ("/api/keyaccounts/needs/", "need_id"): Need,
    ("/api/keyaccounts/feedback/", "request_id"): ServiceRequest,
}

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True)


@pytest.fixture(scope="module")
def demo_company(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """A small demo, built once for the module in a transaction undone afterwards."""
    lake = tmp_path_factory.mktemp("contract") / "lake"
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The WSGI handler closes "old" connections around each request, which inside the
    # test's transaction would close it: Django's test client unhooks them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Thousands of 4xx answers are the point; a 5xx is logged at ERROR and still shows.
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    requests_log.setLevel(logging.ERROR)
    with override_settings(LAKE_URL=str(lake), PASSWORD_HASHERS=fast):
        with django_db_blocker.unblock(), transaction.atomic():
            call_command(
                "demo",
                "--customers",
                str(CUSTOMERS),
                "--seed",
                "3",
                "--no-serve",
                verbosity=0,
                stdout=StringIO(),
            )
            yield
            transaction.set_rollback(True)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    requests_log.setLevel(level)


@pytest.fixture
def tokens(demo_company: None, db: None) -> dict[str, str]:
    return {
        kind: api_token_issue(user=User.objects.get(username=name), name="contract")
        for kind, name in ROLES.items()
    }


@pytest.fixture
def existing(demo_company: None, db: None) -> dict[str, list[Any]]:
    """Values of path parameters that name records of the demo."""
    found: dict[str, list[Any]] = {
        "account_no": list(
            Customer.objects.order_by("region__path", "account_no").values_list(
                "account_no", flat=True
            )[:: max(1, CUSTOMERS // 20)]
        ),
        "day": [str(day) for day in HolidayDay.objects.values_list("day", flat=True)[:5]],
    }
    for (prefix, name), model in RECORDS.items():
        found[prefix + name] = list(
            model._default_manager.order_by("pk").values_list("pk", flat=True)
        )
    return found


def _existing_parameters(
    path: str, parameters: dict[str, Any], existing: dict[str, list[Any]]
) -> dict[str, Any]:
    """Three in four generated values replaced by one that names a demo record."""
    mapped = dict(parameters)
    for name, value in parameters.items():
        key = name
        for prefix, param in RECORDS:
            if param == name and path.startswith(prefix):
                key = prefix + name
        choices = existing.get(key)
        if not choices:
            continue
        pick = value if isinstance(value, int) else len(str(value))
        if pick % 4:
            mapped[name] = choices[pick % len(choices)]
    return mapped


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(
    case: Any, tokens: dict[str, str], existing: dict[str, list[Any]]
) -> None:
    if case.path_parameters:
        case.path_parameters = _existing_parameters(
            case.operation.path, case.path_parameters, existing
        )
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
