"""Issue 15, access hardening: login throttling and lockout, API token expiry and
throttling, password policy and the password-change page, security headers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from gridcrm.archive.models import Customer
from gridcrm.users.models import ApiToken, User
from gridcrm.users.services import api_token_issue
from tests.conftest import PASSWORD

LIMIT = 3


def _login(client: Client, username: str, password: str) -> int:
    return client.post("/login/", {"username": username, "password": password}).status_code


@override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=dt.timedelta(minutes=15))
def test_after_too_many_failures_even_the_right_password_is_refused_until_the_cool_off(
    agent: User, client: Client
) -> None:
    for _ in range(LIMIT - 1):
        assert _login(client, "agent", "wrong password") == 200  # the form again
    assert _login(client, "agent", "wrong password") == 429
    response = client.post("/login/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert 'data-testid="locked-out"' in response.content.decode()
    # From another address the account is locked too: the count is per username.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other, "agent", PASSWORD) == 429

    # After the cool-off the right password works again.
    later = timezone.now() + dt.timedelta(minutes=16)
    with mock.patch("axes.handlers.proxy.now", return_value=later):
        assert _login(client, "agent", PASSWORD) == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_a_success_resets_the_count(agent: User, client: Client) -> None:
    for _ in range(LIMIT - 1):
        _login(client, "agent", "wrong password")
    assert _login(client, "agent", PASSWORD) == 302
    client.logout()
    for _ in range(LIMIT - 1):
        assert _login(client, "agent", "wrong password") == 200
    assert _login(client, "agent", PASSWORD) == 302


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
def test_guessing_api_tokens_locks_the_address_out(collector_a: User, client: Client) -> None:
    token = api_token_issue(user=collector_a, name="etl")
    for _ in range(LIMIT - 1):
        response = client.get("/api/me", headers={"Authorization": "Bearer guess"})
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    response = client.get("/api/me", headers={"Authorization": "Bearer guess"})
    assert (response.status_code, response.json()["code"]) == (429, "users.too_many_failures")
    response = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["code"]) == (429, "users.too_many_failures")
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_an_expired_token_answers_401_with_a_code(collector_a: User, client: Client) -> None:
    token = api_token_issue(user=collector_a, name="etl", days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/me", headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "users.token_expired")


def test_tokens_expire_after_90_days_by_default_or_the_days_asked(
    collector_a: User, capsys: pytest.CaptureFixture[str]
) -> None:
    api_token_issue(user=collector_a, name="default")
    call_command("issue_token", "collector_a", "--name", "short", "--days", "7")
    assert capsys.readouterr().out.strip()
    lifetimes = {
        t.name: (t.expires_at - t.created_at).days
        for t in ApiToken.objects.all()
        if t.expires_at is not None
    }
    assert lifetimes == {"default": 89, "short": 6} or lifetimes == {"default": 90, "short": 7}


@pytest.mark.parametrize(
    "password", ["short1!Ab", "123456789012345", "password12345", "collector_a_2024"]
)
def test_weak_passwords_are_refused(collector_a: User, password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, user=collector_a)


def test_staff_change_their_password_from_the_layout(agent: User, client: Client) -> None:
    client.force_login(agent)
    page = client.get("/").content.decode()
    assert 'href="/password/"' in page
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    new = "阳泉 grid station 合闸"
    response = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password(new)


def test_pages_and_api_responses_carry_the_security_headers(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    for url in (
        "/",
        f"/customers/{customer_a.account_no}/",
        f"/api/customers/{customer_a.account_no}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], url
        assert "frame-ancestors 'none'" in policy, url


def test_no_template_has_an_inline_script() -> None:
    root = Path(__file__).resolve().parents[2] / "src" / "gridcrm"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text()
        for chunk in text.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            if "src=" not in head and "application/json" not in head:
                offenders.append(str(template.relative_to(root)))
        if " onclick=" in text or " onload=" in text or " onchange=" in text:
            offenders.append(str(template.relative_to(root)))
    assert offenders == []


def _gridcrm(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Not DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process, and the
    # deploy check rightly complains about it.
    unset = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in unset}
    environ.update({"GRIDCRM_VAR": str(tmp_path), **env})
    return subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "gridcrm.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_is_clean_in_production(tmp_path: Path) -> None:
    result = _gridcrm(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        GRIDCRM_PRODUCTION="1",
        GRIDCRM_SECRET_KEY="k" * 20 + "-Q7x!" + "z9" * 20,
        GRIDCRM_ALLOWED_HOSTS="crm.example.cn",
        GRIDCRM_TRUSTED_PROXY="X-Forwarded-Proto",
        GRIDCRM_CSRF_TRUSTED_ORIGINS="https://crm.example.cn",
        GRIDCRM_FIELD_KEYS="mGtcBIsvl5bv5Dr1d1e-PpN4bM2kIz7Jm4U7yqQnbVQ=",
        GRIDCRM_HASH_KEY="h" * 40,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_a_bad_proxy_or_origin_setting_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = _gridcrm(tmp_path, "check", GRIDCRM_CSRF_TRUSTED_ORIGINS="crm.example.cn")
    assert result.returncode != 0
    assert "GRIDCRM_CSRF_TRUSTED_ORIGINS" in result.stderr
    result = _gridcrm(tmp_path, "check", GRIDCRM_TRUSTED_PROXY="X Forwarded: Proto")
    assert result.returncode != 0
    assert "GRIDCRM_TRUSTED_PROXY" in result.stderr


@override_settings(
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    CSRF_TRUSTED_ORIGINS=["https://crm.example.cn"],
    ALLOWED_HOSTS=["crm.example.cn"],
)
def test_behind_a_tls_proxy_the_login_works_with_the_documented_variables(agent: User) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="crm.example.cn")
    client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/login/",
        {"username": "agent", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={
            "X-Forwarded-Proto": "https",
            "Origin": "https://crm.example.cn",
            "Referer": "https://crm.example.cn/login/",
        },
    )
    assert response.status_code == 302, response.content[:300]
