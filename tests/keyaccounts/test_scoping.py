"""A manager sees their own portfolio and the one they back up; a specialist sees the
reports sent to them; the outsider sees nothing."""

from __future__ import annotations

from django.test import Client

from gridcrm.keyaccounts import selectors
from gridcrm.keyaccounts.services import report_send
from tests.keyaccounts.conftest import Cast


def _send(cast: Cast, account_is_mine: bool = True) -> None:
    account = cast.mine if account_is_mine else cast.theirs
    manager = cast.owner if account_is_mine else cast.colleague
    report_send(
        account=account,
        specialist=cast.specialist if account_is_mine else cast.other_specialist,
        summary="走访发现需求",
        needs=["增容"],
        acting_user=manager,
    )


def test_a_manager_sees_only_their_own_portfolio(cast: Cast) -> None:
    assert list(selectors.portfolio(user=cast.owner)) == [cast.mine]
    assert list(selectors.portfolio(user=cast.colleague)) == [cast.theirs]
    assert list(selectors.portfolio(user=cast.outsider)) == []


def test_a_backup_manager_sees_the_accounts_they_back_up(cast: Cast) -> None:
    assert list(selectors.portfolio(user=cast.backup)) == [cast.mine]
    assert selectors.keyaccount_get(user=cast.backup, account_no="0300000001") == cast.mine
    assert selectors.keyaccount_get(user=cast.backup, account_no="0300000002") is None


def test_the_marketing_manager_sees_the_whole_roster(cast: Cast) -> None:
    assert set(selectors.portfolio(user=cast.marketing)) == {cast.mine, cast.theirs}


def test_a_specialist_sees_only_the_reports_sent_to_them(cast: Cast) -> None:
    _send(cast)
    _send(cast, account_is_mine=False)
    mine = selectors.reports_visible_to(user=cast.specialist)
    assert [r.key_account for r in mine] == [cast.mine]
    assert [n.key_account for n in selectors.needs_visible_to(user=cast.specialist)] == [cast.mine]
    assert [r.key_account for r in selectors.reports_visible_to(user=cast.other_specialist)] == [
        cast.theirs
    ]
    assert list(selectors.reports_visible_to(user=cast.outsider)) == []
    assert [r.key_account for r in selectors.reports_visible_to(user=cast.colleague)] == [
        cast.theirs
    ]


def test_another_managers_account_page_is_404(cast: Cast, client: Client) -> None:
    client.force_login(cast.colleague)
    assert client.get("/keyaccounts/a/0300000001/").status_code == 404
    assert client.get("/keyaccounts/a/0300000002/").status_code == 200
    client.force_login(cast.outsider)
    assert client.get("/keyaccounts/a/0300000002/").status_code == 403
    assert client.get("/keyaccounts/").status_code == 403
