"""The REST API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from gridcrm.archive.api import changes_router, fields_router
from gridcrm.archive.api import router as archive_router
from gridcrm.core.errors import DomainError
from gridcrm.credit.api import router as credit_router
from gridcrm.jobs.api import router as jobs_router
from gridcrm.keyaccounts.api import router as keyaccounts_router
from gridcrm.lake.api import router as lake_router
from gridcrm.load.api import router as load_router
from gridcrm.service.api import router as service_router
from gridcrm.users.api import router as users_router
from gridcrm.users.errors import TokenRejected
from gridcrm.users.tokens import token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token issued by ``gridcrm issue_token``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(request=request, token=token)
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


# Every error the API answers carries a machine-readable ``code``, whatever raised it.
# Domain errors map their kind to one status in every app (``gridcrm.core.errors``).
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "refused",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
}


def _error(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.as_dict())


@api.exception_handler(TokenRejected)
def _token_rejected(request: HttpRequest, exc: TokenRejected) -> HttpResponse:
    return _error(request, exc.status, {"code": exc.code, "detail": str(exc)})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = _HTTP_CODES.get(exc.status_code, "error")
    return _error(request, exc.status_code, {"code": code, "detail": str(exc)})


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, {"code": "invalid", "detail": exc.errors})


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, {"code": "unauthenticated", "detail": "Unauthorized"})


@api.exception_handler(AuthorizationError)
def _authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return _error(request, 403, {"code": "refused", "detail": str(exc) or "Forbidden"})


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, {"code": "refused", "detail": str(exc) or "Forbidden"})


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, {"code": "not_found", "detail": "Not Found"})


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
