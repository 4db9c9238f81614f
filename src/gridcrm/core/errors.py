"""One error vocabulary for every domain app.

A service refuses an operation by raising a ``DomainError``; nothing it was asked to do
is kept. Each error carries a stable machine-readable ``code`` (``"archive.tier1_locked"``:
the app, a dot, what happened) that API clients and tests match, and a ``message`` fit to
show the person. Its *kind* decides how it is answered, the same in every app:

=============  ======  ==================================================================
kind           HTTP    meaning
=============  ======  ==================================================================
``Refused``    403     this person may not do this (role, scope, four eyes)
``Invalid``    422     the values given are wrong; ``fields`` says which and why
``Conflict``   409     the state of the data does not allow it now (stale, closed, taken)
``NotFound``   404     the thing named does not exist, or is out of the caller's scope
=============  ======  ==================================================================

The API turns them into JSON in one exception handler (``gridcrm.api``), the pages into
messages in one helper (``gridcrm.web.errors.page_errors``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the operation; nothing was changed.

    Subclasses set ``code`` (or pass ``code=``) and derive from exactly one kind below.
    """

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400

    def __init__(
        self,
        message: str | Promise = "",
        *,
        code: str | None = None,
        fields: Mapping[str, str | Promise] | None = None,
    ) -> None:
        self.message = str(message)
        # An instance code overrides the class's: one class can name several refusals.
        self.code = code or type(self).code  # type: ignore[misc]
        self.fields: dict[str, str] = {name: str(text) for name, text in (fields or {}).items()}
        super().__init__(self.message or self.code)

    def __str__(self) -> str:
        return self.message or self.code

    def as_dict(self) -> dict[str, object]:
        """The body of an API error: ``code``, ``detail`` and, when any, ``fields``."""
        body: dict[str, object] = {"code": self.code, "detail": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class Refused(DomainError):
    """This person may not do this: their role, their scope or the four-eyes rule."""

    code = "refused"
    status = 403


class Invalid(DomainError):
    """The values given are wrong; ``fields`` maps each wrong field to why."""

    code = "invalid"
    status = 422

    def __init__(
        self,
        message: str | Promise = "",
        *,
        code: str | None = None,
        fields: Mapping[str, str | Promise] | None = None,
    ) -> None:
        if not message and fields:
            message = "; ".join(f"{name}: {text}" for name, text in fields.items())
        super().__init__(message, code=code, fields=fields)


class Conflict(DomainError):
    """The state of the data does not allow this now (changed meanwhile, closed, taken)."""

    code = "conflict"
    status = 409


class NotFound(DomainError):
    """The thing named does not exist, or is outside what the caller may see."""

    code = "not_found"
    status = 404
