"""The needs board (issue 16): filters by stage, manager, region and topic, a few cards a
column with the column's count, and a stage's whole list a page at a time."""

from __future__ import annotations

from django.test import Client

from gridcrm.keyaccounts.board import PAGE_SIZE, PER_COLUMN
from gridcrm.keyaccounts.models import Need
from gridcrm.keyaccounts.services import report_send
from tests.conftest import Regions
from tests.keyaccounts.conftest import Cast


def _needs(cast: Cast, account: str, count: int, topic: str = "") -> list[Need]:
    owner = cast.owner if account == "mine" else cast.colleague
    report = report_send(
        account=cast.mine if account == "mine" else cast.theirs,
        specialist=cast.specialist,
        summary="走访",
        needs=[f"需求{n}" for n in range(count)],
        acting_user=owner,
        topic=topic,
    )
    return list(report.needs.all())


def _cards(body: str) -> int:
    return body.count('data-testid="card-')


def test_a_column_shows_a_few_cards_its_count_and_a_link_to_all(cast: Cast, client: Client) -> None:
    _needs(cast, "mine", PER_COLUMN + 3)
    client.force_login(cast.marketing)
    body = client.get("/keyaccounts/board/").content.decode()
    assert _cards(body) == PER_COLUMN
    assert f'data-testid="count-reported">{PER_COLUMN + 3}<' in body
    assert 'data-testid="all-reported"' in body


def test_a_stage_lists_every_need_a_page_at_a_time(cast: Cast, client: Client) -> None:
    _needs(cast, "mine", PAGE_SIZE + 2)
    client.force_login(cast.marketing)
    first = client.get("/keyaccounts/board/?stage=reported").content.decode()
    second = client.get("/keyaccounts/board/?stage=reported&page=2").content.decode()
    assert (_cards(first), _cards(second)) == (PAGE_SIZE, 2)
    assert 'data-testid="page-next"' in first
    assert 'data-testid="back-to-board"' in first


def test_filters_narrow_the_board_by_manager_topic_and_region(
    cast: Cast, client: Client, regions: Regions
) -> None:
    mine = _needs(cast, "mine", 2, topic="capacity_change")
    theirs = _needs(cast, "theirs", 1)
    client.force_login(cast.marketing)

    def shown(query: str) -> set[int]:
        body = client.get(f"/keyaccounts/board/?{query}").content.decode()
        return {n.pk for n in [*mine, *theirs] if f'data-testid="card-{n.pk}"' in body}

    everything = {n.pk for n in [*mine, *theirs]}
    assert shown("") == everything
    assert shown(f"manager={cast.owner.pk}") == {n.pk for n in mine}
    assert shown("topic=capacity_change") == {n.pk for n in mine}
    # Both plants are served by station A1, in district A: none in district B.
    assert shown(f"region={regions.district_a.code}") == everything
    assert shown(f"region={regions.district_b.code}") == set()
    # A value that is no choice is ignored, as a search would.
    assert shown("stage=nonsense&topic=nonsense&manager=x&region=NOPE") == everything


def test_a_manager_still_sees_only_their_own_needs_whatever_the_filter(
    cast: Cast, client: Client
) -> None:
    theirs = _needs(cast, "theirs", 1)
    client.force_login(cast.owner)
    body = client.get(f"/keyaccounts/board/?manager={cast.colleague.pk}").content.decode()
    assert f'data-testid="card-{theirs[0].pk}"' not in body
    assert _cards(body) == 0
