"""The REST API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from gridcrm.archive.api import changes_router, fields_router
from gridcrm.archive.api import router as archive_router
from gridcrm.credit.api import router as credit_router
from gridcrm.jobs.api import router as jobs_router
from gridcrm.keyaccounts.api import router as keyaccounts_router
from gridcrm.lake.api import router as lake_router
from gridcrm.load.api import router as load_router
from gridcrm.service.api import router as service_router
from gridcrm.users.api import router as users_router
from gridcrm.users.selectors import user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token issued by ``gridcrm issue_token``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token=token)
        if user is None:
            return None
        request.user = user
        return user


api = NinjaAPI(
    title="GridCRM API",
    version="1",
    description="Customer relationship management for an electric power supply company.",
    auth=[django_auth, TokenAuth()],
)
api.add_router("/me", users_router)
api.add_router("/customers", archive_router)
api.add_router("/change-requests", changes_router)
api.add_router("/fields", fields_router)
api.add_router("/jobs", jobs_router)
api.add_router("/lake", lake_router)
api.add_router("/load", load_router)
api.add_router("/service", service_router)
api.add_router("/credit", credit_router)
api.add_router("/keyaccounts", keyaccounts_router)
