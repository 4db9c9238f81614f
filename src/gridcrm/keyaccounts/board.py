"""The needs board: the visible needs by stage, narrowed by filters, a few cards a column.

A whole company's pipeline is thousands of needs; the board shows the newest
``PER_COLUMN`` of each stage with the stage's count, and a stage's full list a page at a
time. Filters are read from the query string; a value that is not one of the choices
is ignored (the board shows what it would without that filter, and says nothing went
wrong, as a search does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.http import QueryDict

from gridcrm.keyaccounts.models import Need, Stage, Topic
from gridcrm.keyaccounts.selectors import key_account_managers, needs_visible_to
from gridcrm.users.selectors import region_by_code, region_ids_under, regions_below_company

if TYPE_CHECKING:
    from gridcrm.users.models import Region, User

BOARD_STAGES = (
    Stage.REPORTED,
    Stage.ANALYSED,
    Stage.PROPOSED,
    Stage.CONFIRMED,
    Stage.DECLINED,
    Stage.FULFILLED,
)
PER_COLUMN = 8
PAGE_SIZE = 30


@dataclass(frozen=True)
class BoardFilters:
    """What the board is narrowed to; empty means everything visible."""

    stage: str = ""
    manager: int | None = None
    region: str = ""
    topic: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> BoardFilters:
        stage = query.get("stage", "")
        topic = query.get("topic", "")
        manager = query.get("manager", "")
        region = query.get("region", "")
        return cls(
            stage=stage if stage in BOARD_STAGES else "",
            manager=int(manager) if manager.isascii() and manager.isdigit() else None,
            region=region if region_by_code(code=region) is not None else "",
            topic=topic if topic in Topic.values else "",
        )

    def query(self, **change: str | int | None) -> str:
        """The query string of these filters with ``change`` applied (for links)."""
        values = {
            "stage": self.stage,
            "manager": self.manager or "",
            "region": self.region,
            "topic": self.topic,
        }
        values.update({k: "" if v is None else v for k, v in change.items()})
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value:
                query[key] = str(value)
        return query.urlencode()

    @property
    def board_query(self) -> str:
        """The query string of the whole board under the same filters, without the stage."""
        return self.query(stage=None)

    @property
    def any(self) -> bool:
        return bool(self.stage or self.manager or self.region or self.topic)


@dataclass(frozen=True)
class Column:
    stage: str
    label: str
    count: int
    needs: list[Need]
    query: str
    """The query string of this stage's full list."""


def board_needs(*, user: User | AnonymousUser, filters: BoardFilters) -> QuerySet[Need]:
    """The visible needs on the board's stages matching ``filters``, most recently moved
    first."""
    needs = needs_visible_to(user=user).filter(stage__in=BOARD_STAGES)
    if filters.stage:
        needs = needs.filter(stage=filters.stage)
    if filters.manager:
        needs = needs.filter(key_account__manager_id=filters.manager)
    if filters.topic:
        needs = needs.filter(topic=filters.topic)
    if filters.region:
        region = region_by_code(code=filters.region)
        if region is not None:
            needs = needs.filter(
                key_account__customer__region_id__in=region_ids_under(path=region.path)
            )
    return needs.order_by("-stage_changed_at", "-pk")


def board_columns(*, needs: QuerySet[Need], filters: BoardFilters) -> list[Column]:
    """Each board stage with its count and its newest ``PER_COLUMN`` needs."""
    counts = dict(needs.order_by().values_list("stage").annotate(n=Count("pk")))
    return [
        Column(
            stage=stage,
            label=str(Stage(stage).label),
            count=counts.get(stage, 0),
            needs=list(needs.filter(stage=stage)[:PER_COLUMN]) if counts.get(stage) else [],
            query=filters.query(stage=stage),
        )
        for stage in BOARD_STAGES
    ]


@dataclass(frozen=True)
class FilterChoices:
    stages: list[tuple[str, str]]
    managers: list[User]
    regions: list[Region]
    topics: list[tuple[str, str]]


def filter_choices() -> FilterChoices:
    """What each filter offers: stages, key-account managers, districts and stations, topics."""
    return FilterChoices(
        stages=[(s.value, str(s.label)) for s in BOARD_STAGES],
        managers=list(key_account_managers().order_by("full_name", "username")),
        regions=list(regions_below_company()),
        topics=[(value, str(label)) for value, label in Topic.choices],
    )
