"""The production start of docs/deploy.md, on a fresh PostgreSQL database and Redis:
``migrate``, ``collectstatic``, ``create_user``, then ``gridcrm serve`` (gunicorn), the
task worker and the timers as processes of their own. A member of staff logs in through
the login form over HTTP, as the TLS proxy would pass requests on, and opens a customer.

Marked ``production`` (it starts servers): ``.ci/run`` runs it with ``-m production``.
Needs PostgreSQL at ``GRIDCRM_SMOKE_POSTGRES`` (``postgres://postgres@127.0.0.1:5432``)
and Redis at ``GRIDCRM_SMOKE_REDIS`` (``redis://127.0.0.1:6379/0``).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
import redis
import requests

from gridcrm.lake.standalone import free_port

pytestmark = pytest.mark.production

POSTGRES = os.environ.get("GRIDCRM_SMOKE_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("GRIDCRM_SMOKE_REDIS", "redis://127.0.0.1:6379/0")
GRIDCRM = str(Path(sys.executable).parent / "gridcrm")
PASSWORD = "smoke-" + secrets.token_urlsafe(12)
START_TIMEOUT = 600.0  # gunicorn's workers import GridCRM; slow on a crowded machine


@dataclass
class Installation:
    env: dict[str, str]
    base: str
    prefix: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def run(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [GRIDCRM, *args], env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start(self, name: str, *args: str) -> None:
        log = Path(self.env["GRIDCRM_VAR"]) / f"{name}.log"
        self.processes[name] = subprocess.Popen(  # noqa: S603
            [GRIDCRM, *args],
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    name = f"gridcrm_smoke_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    prefix = f"smoke-{name}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GRIDCRM_", "DJANGO_"))},
        "GRIDCRM_PRODUCTION": "1",
        "GRIDCRM_SECRET_KEY": secrets.token_urlsafe(50),
        # The keys of the personal fields at rest (docs/security.md, "At rest").
        "GRIDCRM_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "GRIDCRM_HASH_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"{POSTGRES}/{name}",
        "GRIDCRM_REDIS_URL": REDIS,
        "GRIDCRM_CACHE_PREFIX": prefix,
        "GRIDCRM_VAR": str(tmp_path / "var"),
        "GRIDCRM_ALLOWED_HOSTS": "127.0.0.1",
        "GRIDCRM_TRUSTED_PROXY": "X-Forwarded-Proto",
        "GRIDCRM_BIND": f"127.0.0.1:{port}",
        "GRIDCRM_WEB_WORKERS": "2",
        "GRIDCRM_NEW_PASSWORD": PASSWORD,
    }
    Path(env["GRIDCRM_VAR"]).mkdir()
    site = Installation(env=env, base=f"http://127.0.0.1:{port}", prefix=prefix)
    try:
        yield site
    finally:
        for process in site.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in site.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        store = redis.Redis.from_url(REDIS)
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Browser:
    """Requests as the TLS proxy passes them on (``X-Forwarded-Proto: https``), keeping
    cookies by hand: a cookie jar would not send Secure cookies over plain HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None
    ) -> requests.Response:
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": self.base.replace("http://", "https://"),
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = requests.request(
            method, self.base + path, headers=headers, data=data, allow_redirects=False, timeout=60
        )
        for raw in response.raw.headers.getlist("Set-Cookie"):
            self.set_cookie_headers.append(raw)
            for morsel in SimpleCookie(raw).values():
                self.cookies[morsel.key] = morsel.value
        return response

    def cookie_header(self, name: str) -> str:
        return next(h for h in reversed(self.set_cookie_headers) if h.startswith(f"{name}="))


def _wait_up(site: Installation) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for name, process in site.processes.items():
            log = Path(site.env["GRIDCRM_VAR"]) / f"{name}.log"
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            # Plain HTTP is redirected to HTTPS, which this server does not speak: any
            # answer means it is up, so the redirect is not followed.
            requests.get(site.base + "/login/", timeout=60, allow_redirects=False)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.5)
    log = Path(site.env["GRIDCRM_VAR"]) / "web.log"
    raise TimeoutError("gunicorn did not answer:\n" + log.read_text(errors="replace")[-3000:])


def test_the_documented_production_start_serves_a_login_and_a_customer(
    installation: Installation,
) -> None:
    site = installation
    site.run("migrate", "--no-input")
    site.run("collectstatic", "--no-input")
    site.run("demo_data", "--customers", "20", "--seed", "1", "--no-logins")
    site.run("create_user", "smoke.agent", "--role", "service_agent", "--full-name", "Smoke Agent")
    site.start("web", "serve")
    site.start("worker", "worker")
    site.start("timers", "service_timers", "--every", "60")
    _wait_up(site)

    # Plain HTTP that did not come through the proxy is sent to HTTPS.
    direct = requests.get(site.base + "/login/", allow_redirects=False, timeout=30)
    assert direct.status_code == 301
    assert direct.headers["Location"].startswith("https://127.0.0.1")

    browser = Browser(site.base)
    form = browser.request("GET", "/login/")
    assert form.status_code == 200
    assert form.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "; Secure" in browser.cookie_header("csrftoken")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None

    login = browser.request(
        "POST",
        "/login/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": "smoke.agent",
            "password": PASSWORD,
        },
    )
    assert login.status_code == 302, login.text[:2000]
    session = browser.cookie_header("sessionid")
    assert "; Secure" in session
    assert "HttpOnly" in session
    sessions = list(redis.Redis.from_url(REDIS).scan_iter(f"{site.prefix}:*session*"))
    assert sessions  # the session lives in Redis, not in the database

    listing = browser.request("GET", "/customers/")
    assert listing.status_code == 200
    account = re.search(r'href="/customers/(\d{10})/"', listing.text)
    assert account is not None
    page = browser.request("GET", f"/customers/{account.group(1)}/")
    assert page.status_code == 200
    assert re.search(r"1\d\d\*{4}\d{4}", page.text)  # the phone, masked for an agent

    style = re.search(r'href="(/static/[^"]+\.css)"', page.text)
    assert style is not None
    assert re.search(r"\.[0-9a-f]{12}\.css$", style.group(1))  # collected, hashed
    served = browser.request("GET", style.group(1))
    assert served.status_code == 200
    assert "max-age=315360000" in served.headers["Cache-Control"]

    assert site.processes["worker"].poll() is None
    assert site.processes["timers"].poll() is None
