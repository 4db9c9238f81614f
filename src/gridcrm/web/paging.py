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
from ninja.pagination import PageNumberPagination

COUNT_CAP = 1000


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


class CappedPageNumberPagination(PageNumberPagination):
    """API paging whose ``count`` stops at ``COUNT_CAP + 1`` (meaning "more than COUNT_CAP")."""

    def _items_count(self, queryset: Any) -> int:
        return capped_count(queryset)
