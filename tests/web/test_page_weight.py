"""What a browser is sent for the first page after login: the page and every file it
references (scripts, styles, icons, and what the styles reference), each as WhiteNoise
serves it from collectstatic's output — hashed, compressed, cached for ten years. The
whole must stay under 1.5 MB; plotly.js (4.8 MB) belongs only on pages that draw charts.

collectstatic runs once for this module into a temporary folder (brotli-compressing
plotly.js takes some seconds); the rest of the suite serves plain files (conftest)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

from gridcrm.users.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BUDGET = 1_500_000
# Django's ManifestStaticFilesStorage: name.<12 hex>.ext
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")
_REFERENCES = re.compile(
    r"""<(?:script|img)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"|url\(["']?([^"')]+)"""
)
BROWSER = {"Accept-Encoding": "br, gzip, deflate"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "gridcrm.web.staticfiles.StaticStorage"},
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("collected")
    with override_settings(STATIC_ROOT=root, STORAGES=STORAGES, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def _references(text: str, base: str) -> set[str]:
    found = set()
    for match in _REFERENCES.finditer(text):
        url = next(g for g in match.groups() if g)
        if url.startswith(("data:", "#", "http://", "https://", "//")):
            continue
        found.add(urljoin(base, url))
    return found


def _sent(client: Client, url: str) -> tuple[int, str, object]:
    """Bytes on the wire for ``url`` (the body as served, compressed when it was)."""
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200, url
    body = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if response.streaming
        else response.content
    )
    return len(body), response.headers.get("Content-Encoding", ""), response


def _first_page_after_login(user: User) -> tuple[Client, str, str]:
    client = Client()
    login = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert login.status_code == 302
    landing = client.get(login["Location"], follow=True)
    assert landing.status_code == 200
    return client, landing.request["PATH_INFO"], landing.content.decode()


@pytest.mark.parametrize("who", ["agent", "collector_a", "archivist"])
def test_the_first_page_after_login_transfers_under_one_and_a_half_megabytes(
    who: str, collected: Path, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(who)
    with override_settings(
        STATIC_ROOT=collected,
        STORAGES=STORAGES,
        WHITENOISE_USE_FINDERS=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        user.set_password(PASSWORD)
        user.save()
        client, path, html = _first_page_after_login(user)
        total = len(html.encode())
        seen: set[str] = set()
        pending = _references(html, path)
        while pending:
            url = pending.pop()
            if url in seen or not url.startswith("/static/"):
                continue
            seen.add(url)
            size, encoding, response = _sent(client, url)
            total += size
            assert HASHED.search(url), f"{url} is not a hashed name"
            assert "immutable" in response["Cache-Control"], url  # type: ignore[index]
            if url.endswith((".js", ".css", ".svg")) and size > 1024:
                assert encoding in ("br", "gzip"), f"{url} sent uncompressed"
            if url.endswith(".css"):
                text = Path(collected, url.removeprefix("/static/")).read_text()
                pending |= _references(text, url)
        assert seen, "the page references no static file"
    assert total < BUDGET, f"{path}: {total:,} bytes for {sorted(seen)}"


def test_plotly_is_served_compressed_under_a_hashed_name(collected: Path) -> None:
    with override_settings(
        STATIC_ROOT=collected,
        STORAGES=STORAGES,
        WHITENOISE_USE_FINDERS=False,
    ):
        url = static("plotly/plotly.min.js")
        assert HASHED.search(url)
        size, encoding, response = _sent(Client(), url)
        assert encoding == "br"
        assert size < 1_300_000  # 4.8 MB uncompressed
        assert "max-age=315360000" in response["Cache-Control"]  # type: ignore[index]
    # Only plotly.min.js of the plotly package is collected, not its widget bundle.
    assert not list((collected / "plotly").glob("widgetbundle*"))
