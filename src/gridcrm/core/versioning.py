"""Versioned configuration as one primitive.

Mapping rules, the service matrix, credit policies and scorecards are published as
numbered versions that are never edited, only superseded. A model derives from
``PublishedVersion``; its rows (rules) point at a version. ``version_publish`` takes the
next number safely under concurrency: the number is unique per series in the database,
and a publish that loses the race to another takes the next free number and tries again
inside a savepoint, so two concurrent publishes always get two different numbers and
neither fails.

A rule row's shape is a pydantic model (``RuleRow``) that the form, the API and the
validation share: ``rows_validate`` checks a list of plain dicts against it and raises
one ``Invalid`` with every problem by row and field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pydantic
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gridcrm.core.errors import Invalid

V = TypeVar("V", bound="PublishedVersion")
R = TypeVar("R", bound=pydantic.BaseModel)

_PUBLISH_ATTEMPTS = 20


class PublishedVersion(models.Model):
    """One published version of a piece of configuration. Subclasses add a unique
    constraint on ``number`` (with their series fields, if they have several series)."""

    number = models.PositiveIntegerField(_lazy("version"))
    published_at = models.DateTimeField(_lazy("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("published by"),
    )
    note = models.CharField(_lazy("note"), max_length=300, blank=True)

    class Meta:
        abstract = True
        ordering = ["-number"]


def version_publish(
    model: type[V],
    *,
    acting_user: Any,
    series: Mapping[str, Any] | None = None,
    fill: Callable[[V], None] | None = None,
    **fields: Any,
) -> V:
    """Create the next version of ``model`` (within ``series``, e.g. ``{"kind": "fitted"}``)
    with ``fields``, then call ``fill(version)`` to write its rows, all in one transaction.

    Safe under concurrency: the database's unique constraint decides, and a lost race is
    retried with the next number, so concurrent publishes get distinct numbers.
    """
    series = dict(series or {})
    for _attempt in range(_PUBLISH_ATTEMPTS):
        latest = model._default_manager.filter(**series).aggregate(n=models.Max("number"))["n"]
        try:
            with transaction.atomic():
                version = model._default_manager.create(
                    number=(latest or 0) + 1, published_by=acting_user, **series, **fields
                )
                if fill is not None:
                    fill(version)
        except IntegrityError:
            if not model._default_manager.filter(**series, number=(latest or 0) + 1).exists():
                raise  # another constraint failed: not a lost race
            continue
        return version
    raise IntegrityError(f"{model.__name__}: no version number after {_PUBLISH_ATTEMPTS} tries")


def rows_validate(schema: type[R], rows: Iterable[Mapping[str, Any]], *, code: str) -> list[R]:
    """Check every row against ``schema``; one ``Invalid`` (with ``code``) names every
    problem as ``row N: field: message``, or the parsed rows are returned."""
    parsed: list[R] = []
    problems: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        try:
            parsed.append(schema.model_validate(dict(row)))
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"]) or "row"
                problems[f"{number}.{where}"] = error["msg"]
    if problems:
        row_word = _("row")  # outside the f-string: makemessages reads it
        raise Invalid(
            _("Some rows are not valid: %(problems)s")
            % {"problems": "; ".join(f"{row_word} {k}: {v}" for k, v in problems.items())},
            code=code,
            fields=problems,
        )
    return parsed
