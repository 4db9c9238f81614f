"""Paging that stays fast on a million customers: counts stop at a cap.

Counting every match of a broad search ("王", a street name) costs a scan of tens of
thousands of rows on each page view; nobody pages through them, they narrow the
search. So lists count at most ``COUNT_CAP + 1`` rows and say "more than 1,000".
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

COUNT_CAP = 1000

# The highest page number an API list accepts. Far beyond any real list, and low enough
# that ``(page - 1) * page_size`` stays a 64-bit database offset: an unbounded page number
# overflowed the database's integer (a 500) instead of answering 422.
MAX_PAGE = 1_000_000


def capped_count(rows: Any) -> int:
    """How many rows, but no more than ``COUNT_CAP + 1``."""
    if isinstance(rows, QuerySet):
        return rows[: COUNT_CAP + 1].count()
    return min(len(rows), COUNT_CAP + 1)


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator whose count stops above ``COUNT_CAP``."""

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than the count says."""
        return self.count > COUNT_CAP


def page_number(value: str | None) -> int:
    """The page a page's query string asks for (``?page=``): the first for anything that
    is not a number, ``MAX_PAGE`` at most (a list past its end shows nothing)."""
    text = (value or "").strip()
    # ASCII digits only: "²".isdigit() is true, but int("²") raises.
    if not (text.isascii() and text.isdigit()):
        return 1
    return min(max(1, int(text)), MAX_PAGE)


class PageIn(Schema):
    """The ``page`` query parameter of an API list: 1 to ``MAX_PAGE``, else 422."""

    page: int = Field(1, ge=1, le=MAX_PAGE)


class BoundedPageNumberPagination(PageNumberPagination):
    """API paging by page number; a page above ``MAX_PAGE`` answers 422 ``invalid``.

    Every paginated API list uses this class (or ``CappedPageNumberPagination``).
    """

    class Input(PageIn):
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)


class CappedPageNumberPagination(BoundedPageNumberPagination):
    """API paging whose ``count`` stops at ``COUNT_CAP + 1`` (meaning "more than COUNT_CAP")."""

    def _items_count(self, queryset: Any) -> int:
        return capped_count(queryset)
