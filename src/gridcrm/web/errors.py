"""Domain errors on pages: the one place a view turns a ``DomainError`` into a message.

A view runs its service call inside ``page_errors``; when the service refuses, the
error's message becomes a page message (and its per-field messages become errors of the
form, when one is given), the exception is swallowed, and the view goes on to render the
form again with what was typed::

    with page_errors(request, form=form):
        customer_update(customer=customer, changes=form.cleaned_data, acting_user=user)
        return redirect(customer)
    return render(request, "archive/customer_edit.html", {"form": form})

A refusal nobody catches (a page that only reads, say) reaches ``DomainErrorMiddleware``,
which answers the error's status with the message on the error page (``error_pages``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from gridcrm.core.errors import DomainError
from gridcrm.core.uploads import UploadRefused
from gridcrm.web.error_pages import domain_error_page


@dataclass
class Outcome:
    """What happened inside ``page_errors``: the error, when the service refused."""

    error: DomainError | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


@contextmanager
def page_errors(
    request: HttpRequest, *, form: forms.BaseForm | None = None, quiet: bool = False
) -> Iterator[Outcome]:
    """Turn a ``DomainError`` raised inside into a page message (and form errors).

    ``quiet``: record the error in the outcome only (the view shows it its own way).
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        outcome.error = error
        if quiet:
            return
        shown_on_form = False
        if form is not None:
            for name, text in error.fields.items():
                if name in form.fields:
                    form.add_error(name, text)
                    shown_on_form = True
        if not shown_on_form:
            messages.error(request, error.message)


KEPT = "gridcrm.kept_input"


@dataclass
class KeptInput:
    """What was typed into a form that a view refused before redirecting back."""

    data: dict[str, list[str]]
    errors: dict[str, str]

    def value(self, name: str) -> str:
        return (self.data.get(name) or [""])[0]


def input_keep(request: HttpRequest, name: str, form: forms.BaseForm) -> None:
    """Keep ``form``'s input and errors for the page the view redirects to, where the form
    is a part of a bigger page (a 360° panel) rather than a page of its own."""
    request.session[KEPT] = {
        "form": name,
        "data": {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"},
        "errors": {k: " ".join(str(m) for m in v) for k, v in form.errors.items()},
    }


def input_kept(request: HttpRequest | None, name: str) -> KeptInput | None:
    """The input ``input_keep`` kept for form ``name``, once: reading it forgets it."""
    kept = request.session.get(KEPT) if request is not None else None
    if request is None or not kept or kept["form"] != name:
        return None
    del request.session[KEPT]
    return KeptInput(data=kept["data"], errors=kept["errors"])


class DomainErrorMiddleware:
    """Answers a ``DomainError`` that a view let through with its status and message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        return domain_error_page(request, exception)


class UploadRefusalMiddleware:
    """Answers a page's upload that the upload handler refused (over its size limit).

    The refusal is raised where the form body is first read, which for a page is the CSRF
    check, before any view runs; so this reads it first (it sits before
    ``CsrfViewMiddleware``) and answers like ``DomainErrorMiddleware``. The API reads its
    bodies itself and answers the refusal in its one exception handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        if request.path.startswith("/api/"):
            return None
        try:
            request.POST  # noqa: B018 (parsing the body is the point)
        except UploadRefused as error:
            # The body is spent: later readers see an empty form, not a second parse.
            request._mark_post_parse_error()  # type: ignore[attr-defined]
            return domain_error_page(request, error)
        return None
