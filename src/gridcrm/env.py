"""Typed readers of environment variables that fail loudly on a bad value.

Every setting GridCRM takes from the environment goes through one of these, so a
typo in a deployment stops start-up with a message that names the variable
instead of surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str) -> str:
    """A string variable, or ``default`` when unset."""
    value = _raw(name)
    return default if value is None or value == "" else value


def env_bool(name: str, *, default: bool) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off, anything else is an error."""
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}.")


def env_choice(name: str, *, choices: Sequence[str], default: str) -> str:
    """One of ``choices``; an unknown value names the variable and the allowed values."""
    value = env_str(name, default).lower()
    if value not in choices:
        allowed = ", ".join(choices)
        raise ImproperlyConfigured(f"{name} must be one of: {allowed}; got {value!r}.")
    return value


def env_list(name: str, default: Sequence[str]) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str, default: Sequence[str]) -> list[str]:
    """Comma-separated IP networks (``10.0.0.0/8``) or addresses (``192.0.2.7``, taken as
    one-address networks), IPv4 or IPv6; each checked here, so a typo stops start-up."""
    networks = env_list(name, default)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP networks such as 10.0.0.0/8 or ::1; got {network!r}."
            ) from None
    return networks


def env_database(name: str, *, default_sqlite: Path) -> dict[str, Any]:
    """A Django DATABASES entry from a URL such as ``postgres://user@host:5432/db``.

    Only SQLite and PostgreSQL are supported: they are the two databases every
    test suite runs against.
    """
    value = _raw(name)
    if not value:
        default_sqlite.parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite),
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
        }
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(value, conn_max_age=60))
    except Exception as exc:  # dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(
            f"{name} is not a valid database URL: {value!r} ({exc})."
        ) from exc
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(f"{name} must be a sqlite:// or postgres:// URL; got {value!r}.")
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database: {value!r}.")
    return config


def env_secret_key(name: str, *, production: bool, key_file: Path) -> str:
    """The secret key: required in production, otherwise generated once into ``key_file``."""
    value = _raw(name)
    if value:
        if production and len(value) < 32:
            raise ImproperlyConfigured(f"{name} must be at least 32 characters in production.")
        return value
    if production:
        raise ImproperlyConfigured(f"{name} is required when GRIDCRM_PRODUCTION is on.")
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def env_int(name: str, *, default: int, minimum: int = 0) -> int:
    """A whole number of at least ``minimum``, or ``default`` when unset."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}.")
    return number


def env_origins(name: str) -> list[str]:
    """Comma-separated origins (``https://crm.example.cn``): each with a scheme, as Django's
    CSRF origin check compares them."""
    origins = env_list(name, [])
    for origin in origins:
        scheme, sep, host = origin.partition("://")
        if not sep or scheme not in {"http", "https"} or not host or "/" in host:
            raise ImproperlyConfigured(
                f"{name} must list origins such as https://crm.example.cn; got {origin!r}."
            )
    return origins


def env_proxy_header(name: str) -> tuple[str, str] | None:
    """The header a TLS-terminating proxy sets to say the request came over HTTPS, as
    ``Header-Name`` (value ``https``) or ``Header-Name=value``; ``None`` when unset.

    Set it only behind a proxy that overwrites the header on every request: a client
    that could send it itself would pass for HTTPS.
    """
    value = _raw(name)
    if not value:
        return None
    header, _sep, expected = value.partition("=")
    header, expected = header.strip(), expected.strip() or "https"
    if not header or not all(c.isalnum() or c == "-" for c in header):
        raise ImproperlyConfigured(
            f"{name} must be a header name such as X-Forwarded-Proto; got {value!r}."
        )
    return "HTTP_" + header.upper().replace("-", "_"), expected


def env_keys(name: str, *, field_keys: bool) -> list[bytes]:
    """Comma-separated keys, the current one first; ``[]`` when unset.

    Field keys (``field_keys``) are 32 random bytes in URL-safe base64, as
    ``gridcrm rotate_keys --new-key`` prints them; a hash key is any text of at least 32
    characters. A malformed key stops start-up naming the variable (never the key)."""
    keys = []
    for position, item in enumerate(env_list(name, []), start=1):
        if not field_keys:
            if len(item) < 32:
                raise ImproperlyConfigured(f"{name}: key {position} is shorter than 32 characters.")
            keys.append(item.encode())
            continue
        try:
            key = base64.urlsafe_b64decode(item.encode() + b"=" * (-len(item) % 4))
        except (ValueError, binascii.Error):
            key = b""
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"{name}: key {position} is not 32 bytes in URL-safe base64"
                " (make one with `gridcrm rotate_keys --new-key`)."
            )
        keys.append(key)
    return keys


def env_redis(name: str) -> str | None:
    """A Redis URL (``redis://host:6379/0``, ``rediss://…`` for TLS); ``None`` when unset."""
    value = _raw(name)
    if not value:
        return None
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in {"redis", "rediss", "unix"} or not rest:
        raise ImproperlyConfigured(
            f"{name} must be a URL such as redis://127.0.0.1:6379/0; got {value!r}."
        )
    return value
