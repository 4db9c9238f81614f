"""Why the API refuses a bearer token.

These are not ``DomainError`` kinds: they answer 401 and 429, before any service runs.
``gridcrm.api`` answers each with its ``status`` and ``code`` like every other error.
"""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext_lazy as _


class TokenRejected(Exception):
    """The bearer token cannot be used; ``code`` says why."""

    status: ClassVar[int] = 401
    code: ClassVar[str] = "users.token_rejected"
    message: ClassVar[str] = ""

    def __str__(self) -> str:
        return str(self.message) or self.code


class TokenExpired(TokenRejected):
    """The token is past its ``expires_at``: issue a new one (``gridcrm issue_token``)."""

    code = "users.token_expired"
    message = _("This API token has expired; ask for a new one.")  # type: ignore[assignment]


class TokenThrottled(TokenRejected):
    """Too many wrong tokens or passwords came from this address; wait for the cool-off."""

    status = 429
    code = "users.too_many_failures"
    message = _("Too many failed attempts from this address; try again later.")  # type: ignore[assignment]
