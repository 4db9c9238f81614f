"""A phone searched for reaches neither a URL nor a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.core.logmasking import mask_personal
from gridcrm.users.models import User

PHONE = "13834567890"  # customer_a's


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured handlers (root and Django's access log) write."""
    stream = io.StringIO()
    # GridCRM's own handlers (settings.LOGGING), not pytest's capturing ones.
    handlers = list(
        {
            id(h): h
            for name in ("", "django.server")
            for h in logging.getLogger(name).handlers
            if type(h) is logging.StreamHandler
        }.values()
    )
    assert handlers
    old = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, previous in zip(handlers, old, strict=True):
        handler.setStream(previous)


def test_a_phone_search_leaves_no_phone_in_the_final_url(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    response = client.post("/customers/", {"q": PHONE}, follow=True)
    final_url = response.redirect_chain[-1][0]
    assert final_url.startswith("/customers/?s=")
    assert PHONE not in final_url
    assert "7890" not in final_url
    html = response.content.decode()
    assert customer_a.account_no in html
    # The phone typed is shown back in the search box only, never in a link.
    assert f"q={PHONE}" not in html
    assert f"={PHONE}&" not in html
    # Reading the page again by its id gives the same search.
    assert customer_a.account_no in client.get(final_url).content.decode()


def test_the_live_search_pushes_an_opaque_url(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    response = client.post("/customers/", {"q": PHONE}, headers={"HX-Request": "true"})
    assert customer_a.account_no in response.content.decode()
    assert response["HX-Push-Url"].startswith("/customers/?s=")
    assert PHONE not in response["HX-Push-Url"]


def test_an_old_phone_link_is_moved_to_an_opaque_url(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    response = client.get("/customers/", {"q": PHONE})
    assert response.status_code == 302
    assert PHONE not in response["Location"]


def test_a_search_id_means_nothing_to_another_session(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    url = client.post("/customers/", {"q": "不存在的名字"})["Location"]
    other = Client()
    other.force_login(agent)
    html = other.get(url).content.decode()
    assert customer_a.account_no in html  # the whole list: that search is not theirs


def test_logged_request_lines_carry_no_phone_or_id_number(
    agent: User, customer_a: Customer, client: Client, log_output: io.StringIO
) -> None:
    client.force_login(agent)
    client.get(f"/customers/{PHONE}/")  # a 404 that Django logs with its path
    client.get("/api/customers", {"q": PHONE})
    # The request line as runserver's access log writes it.
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /customers/?q={PHONE}&page=2 HTTP/1.1", "200", "1234"
    )
    logging.getLogger("gridcrm").warning(
        "looked up %s and %s", "0353-6123456", customer_a.certificate_no
    )
    written = log_output.getvalue()
    assert "Not Found" in written
    assert PHONE not in written
    assert "0353-6123456" not in written
    assert customer_a.certificate_no not in written
    assert "/customers/?q=***&page=2" in written


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("GET /api/customers?q=7890 HTTP/1.1", "GET /api/customers?q=*** HTTP/1.1"),
        ("GET /customers/0100000001/ HTTP/1.1", "GET /customers/0100000001/ HTTP/1.1"),
        ("phone 138 then 13812345678.", "phone 138 then ***."),
        ("id 14030219900101123X here", "id *** here"),
        ("uscc 91140300MA0000001X.", "uscc ***."),
        ("at 2026-12-07 03:12:24", "at 2026-12-07 03:12:24"),
    ],
)
def test_the_mask_keeps_account_numbers_and_times(line: str, masked: str) -> None:
    assert mask_personal(line) == masked
