"""/api/docs works without the internet: Swagger UI's page references only files served
by this site (django-ninja ships them), each is served, and the Content-Security-Policy
lets them run (scripts from 'self' only, no inline script)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gridcrm.users.models import User

pytestmark = pytest.mark.django_db

_REFERENCES = re.compile(r"""<(?:script|img)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)\"""")


def test_swagger_ui_is_served_from_this_site_and_allowed_by_the_policy(
    client: Client, agent: User
) -> None:
    client.force_login(agent)
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    urls = [next(g for g in m.groups() if g) for m in _REFERENCES.finditer(html)]
    scripts = [u for u in urls if u.endswith(".js")]
    assert any("swagger-ui-bundle" in u for u in scripts)
    assert any("swagger-ui.css" in u for u in urls)
    for url in urls:
        assert url.startswith("/static/"), url
        response = client.get(url)
        assert response.status_code == 200, url
    # Inline <script> elements carry data only (JSON), never code.
    for attrs, _body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    # The OpenAPI document the page loads is served too.
    assert client.get("/api/openapi.json").status_code == 200
