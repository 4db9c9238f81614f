"""The REST API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from gridcrm.alerts.api import router as alerts_router
from gridcrm.archive.api import changes_router, fields_router
from gridcrm.archive.api import router as archive_router
from gridcrm.billing.api import router as billing_router
from gridcrm.core.errors import DomainError
from gridcrm.credit.api import router as credit_router
from gridcrm.grid.api import router as grid_router
from gridcrm.jobs.api import router as jobs_router
from gridcrm.keyaccounts.api import router as keyaccounts_router
from gridcrm.lake.api import router as lake_router
from gridcrm.load.api import router as load_router
from gridcrm.portal.api import router as portal_router
from gridcrm.portal.selectors import is_portal_user
from gridcrm.safety.api import router as safety_router
from gridcrm.service.api import router as service_router
from gridcrm.users.api import router as users_router
from gridcrm.users.errors import TokenRejected
from gridcrm.users.tokens import token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token issued by ``gridcrm issue_token``.

    Tried first. A token is not sent by a browser on its own, so a request it
    authenticates cannot be forged cross-site and needs no CSRF token.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(request=request, token=token)
        if user is None or not _may_use(request, user):
            return None
        request.user = user
        return user


class CookieSessionAuth(SessionAuth):
    """The signed-in browser session; writes need the CSRF token, as on every page.

    A request that carries an ``Authorization`` header is judged by that header alone
    (``TokenAuth``): a wrong token is a 401, never a fall-back to the session cookie
    and its CSRF check.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers:
            return None
        user = super().__call__(request)
        if user is None or not _may_use(request, user):
            return None
        return user


def _may_use(request: HttpRequest, user: Any) -> bool:
    """Customer logins use the portal's part of the API only; to every staff endpoint they
    are unauthenticated (401), whatever their role would let them see."""
    return request.path.startswith("/api/portal/") or not is_portal_user(user=user)


class BodyUnreadable(HttpError):
    """A request body the API cannot read as JSON; ``code`` says why."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(status, detail)
        self.code = code


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class JsonBodyParser(Parser):
    """The one reader of JSON request bodies.

    A form body (multipart, URL-encoded) answers 415 ``api.body_not_json``; bytes that
    are not UTF-8, text that is not JSON, or a string with a lone surrogate
    (``"\\ud800"``, valid JSON but no text: the database cannot store it) answer 400
    ``api.body_unreadable``.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type in _FORM_TYPES:
            raise _NOT_JSON
        try:
            data = json.loads(request.body.decode("utf-8"))
            # Re-encoding fails exactly when a string holds a lone surrogate.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (UnicodeError, ValueError) as exc:
            raise BodyUnreadable(
                400, "api.body_unreadable", "The request body is not valid UTF-8 JSON text."
            ) from exc
        return data  # type: ignore[no-any-return]


_NOT_JSON = BodyUnreadable(
    415, "api.body_not_json", "This operation takes a JSON body (Content-Type: application/json)."
)


class ApiError(Schema):
    """The body of every error the API answers."""

    code: str
    detail: str | list[dict[str, Any]]
    fields: dict[str, str] | None = None


# What each operation may answer besides its success, declared in the OpenAPI document
# in one place: every operation needs a caller (401), may refuse them (403), may not find
# what is named or in scope (404) and validates its parameters (422); one with a body may
# get one it cannot read (400, 415); a write may meet a state that forbids it (409).
ERRORS_OF_EVERY_OPERATION = {
    401: "Not signed in, or the token is wrong or revoked.",
    403: "The role, the scope or a rule refuses; a session's write without its CSRF token.",
    404: "Not found, or outside the caller's scope.",
    422: "Values that fail validation; `fields` says which.",
}
ERRORS_OF_A_BODY = {
    400: "The body is not UTF-8 JSON text.",
    415: "The body is a form, not JSON.",
}
ERRORS_OF_A_WRITE = {409: "The state of the data does not allow it now (stale, taken, closed)."}


class GridCrmApi(NinjaAPI):
    """The NinjaAPI whose OpenAPI document declares the error answers of each operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ApiError"] = ApiError.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                declared = dict(ERRORS_OF_EVERY_OPERATION)
                if "requestBody" in operation:
                    declared |= ERRORS_OF_A_BODY
                if method != "get":
                    declared |= ERRORS_OF_A_WRITE
                for status, description in declared.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": error}
                    )
        return schema


# One authentication order for every operation: the bearer token, then the session.
api = GridCrmApi(
    title="GridCRM API",
    version="1",
    description="Customer relationship management for an electric power supply company.",
    auth=[TokenAuth(), CookieSessionAuth()],
    parser=JsonBodyParser(),
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
    415: "unsupported_media_type",
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
    # Ninja wraps whatever the body parser raised in its own 400; answer the parser's own.
    if isinstance(exc.__cause__, BodyUnreadable):
        exc = exc.__cause__
    code = getattr(exc, "code", None) or _HTTP_CODES.get(exc.status_code, "error")
    return _error(request, exc.status_code, {"code": code, "detail": str(exc)})


@api.exception_handler(RawPostDataException)
def _form_body_read(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    # The session's CSRF check read a form body (only those are read) before the
    # operation asked for its JSON: the body was not JSON.
    return _http_error(request, _NOT_JSON)


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
api.add_router("/billing", billing_router)
api.add_router("/keyaccounts", keyaccounts_router)
api.add_router("/portal", portal_router)
api.add_router("/grid", grid_router)
api.add_router("/safety", safety_router)
api.add_router("/alerts", alerts_router)
