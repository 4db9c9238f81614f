"""Personal fields at rest: sealed (encrypted) values and keyed search hashes.

A sealed value is AES-256-GCM under one of ``settings.FIELD_KEYS``, written as text::

    gc1.<key id>.<base64url(nonce · ciphertext · tag)>

The key id (8 hex characters of a digest of the key, never the key) says which key
opens it, so several keys can be configured at once: the first seals, every one opens
(key rotation, ``gridcrm rotate_keys``). AES-GCM rather than Fernet (AES-CBC with
HMAC): a fifth less CPU per value and a token of about 65 characters for a phone rather
than 100, which counts when an import seals three columns of a million rows.

Sealed values cannot be compared in SQL, so what must be searched is stored beside
them as a keyed hash (HMAC-SHA256 under ``settings.HASH_KEYS``, 128 bits in hex): the
same input gives the same hash, and without the key nobody can test guesses against it.
Searches ask for the hashes under every configured hash key (``search_hashes``), so a
new hash key can be added before the rows are rehashed.

Without keys (development and tests, ``GRIDCRM_PRODUCTION`` off) both are derived from
``SECRET_KEY``: fixed per installation, so data survives a restart, but anyone with
the secret key opens it. In production a missing key is refused at start-up
(``core.checks``) and here.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Exact, IsNull, Lookup

PREFIX = "gc1."
NONCE_BYTES = 12
HASH_HEX = 32  # 128 bits: no two different inputs share one in any archive


class SealError(ValueError):
    """A sealed value that no configured key opens (a key was removed too early)."""


def _derived(purpose: str) -> bytes:
    return hmac.digest(settings.SECRET_KEY.encode(), purpose.encode(), "sha256")


def key_id(key: bytes) -> str:
    """The public name of a field key: a digest of it, never the key itself."""
    return hashlib.sha256(b"gridcrm field key id:" + key).hexdigest()[:8]


class Keyring:
    """The configured keys: the first field key seals, every one opens; the first hash
    key hashes what is stored, every one is searched."""

    def __init__(self, *, field_keys: list[bytes], hash_keys: list[bytes]) -> None:
        if not field_keys or not hash_keys:
            raise ImproperlyConfigured("Field and hash keys are both needed.")
        self.current_id = key_id(field_keys[0])
        self.current = AESGCM(field_keys[0])
        self.openers = {key_id(key): AESGCM(key) for key in field_keys}
        # HMAC's inner and outer hash states, keyed once: each hash then costs two
        # copies and updates, a third of ``hmac.digest`` with its key set-up per call.
        self.hashers = [_hmac_states(key) for key in hash_keys]

    def seal(self, text: str) -> str:
        """``text`` sealed under the current key; blank stays blank (nothing to hide,
        and "is it blank" stays a plain SQL comparison)."""
        if not text:
            return text
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.encrypt(nonce, text.encode(), None)
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
        return f"{PREFIX}{self.current_id}.{body}"

    def seal_many(self, texts: Iterable[str]) -> list[str]:
        """``seal`` over a column (the bulk import): the nonces drawn in one call."""
        texts = list(texts)
        nonces = os.urandom(NONCE_BYTES * len(texts))
        encrypt, head = self.current.encrypt, f"{PREFIX}{self.current_id}."
        sealed: list[str] = []
        for at, text in enumerate(texts):
            if not text:
                sealed.append(text)
                continue
            nonce = nonces[at * NONCE_BYTES : (at + 1) * NONCE_BYTES]
            body = base64.urlsafe_b64encode(nonce + encrypt(nonce, text.encode(), None))
            sealed.append(head + body.rstrip(b"=").decode())
        return sealed

    def unseal(self, value: str) -> str:
        """The text of a sealed value; text that is not sealed is returned as it is (rows
        written before sealing, until the migration has sealed them)."""
        if not value.startswith(PREFIX):
            return value
        ident, _dot, body = value[len(PREFIX) :].partition(".")
        opener = self.openers.get(ident)
        if opener is None:
            raise SealError(f"No configured field key has the id {ident}.")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return opener.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise SealError(f"A value sealed under key {ident} does not open.") from exc

    def is_current(self, value: str) -> bool:
        """Whether a stored value needs no re-sealing: blank, or sealed by the current key."""
        return not value or value.startswith(f"{PREFIX}{self.current_id}.")

    def search_hash(self, kind: str, text: str) -> str:
        """The hash stored beside a value, under the current hash key; blank for blank.
        ``kind`` separates what is hashed (a phone, its last four digits, a certificate
        number), so equal text of different kinds never shares a hash."""
        if not text:
            return ""
        return _hmac_hex(self.hashers[0], kind, text)

    def hash_many(self, kind: str, texts: Iterable[str]) -> list[str]:
        """``search_hash`` over a column (the bulk import): the key and the kind hashed
        into the inner state once."""
        inner, outer = self.hashers[0]
        inner = inner.copy()
        inner.update(f"{kind}:".encode())
        hashes: list[str] = []
        for text in texts:
            if not text:
                hashes.append("")
                continue
            head, tail = inner.copy(), outer.copy()
            head.update(text.encode())
            tail.update(head.digest())
            hashes.append(tail.hexdigest()[:HASH_HEX])
        return hashes

    def search_hashes(self, kind: str, text: str) -> list[str]:
        """The hashes ``text`` may be stored under: one per configured hash key."""
        return [_hmac_hex(states, kind, text) for states in self.hashers]


_HashStates = tuple["hashlib._Hash", "hashlib._Hash"]


def _hmac_states(key: bytes) -> _HashStates:
    """HMAC-SHA256 (RFC 2104) keyed once: the hash states after the padded key."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner, outer = hashlib.sha256(), hashlib.sha256()
    inner.update(bytes(b ^ 0x36 for b in key))
    outer.update(bytes(b ^ 0x5C for b in key))
    return inner, outer


def _hmac_hex(states: _HashStates, kind: str, text: str) -> str:
    """``hmac.digest(key, f"{kind}:{text}", "sha256")`` in hex, cut to ``HASH_HEX``."""
    inner, outer = states[0].copy(), states[1].copy()
    inner.update(f"{kind}:{text}".encode())
    outer.update(inner.digest())
    return outer.hexdigest()[:HASH_HEX]


@functools.cache
def keyring() -> Keyring:
    """The keys of the settings; in development derived from ``SECRET_KEY`` when unset."""
    field_keys: list[bytes] = list(settings.FIELD_KEYS)
    hash_keys: list[bytes] = list(settings.HASH_KEYS)
    if settings.PRODUCTION and not (field_keys and hash_keys):
        raise ImproperlyConfigured(
            "GRIDCRM_FIELD_KEYS and GRIDCRM_HASH_KEY are required when GRIDCRM_PRODUCTION is on."
        )
    return Keyring(
        field_keys=field_keys or [_derived("gridcrm field key (development)")],
        hash_keys=hash_keys or [_derived("gridcrm hash key (development)")],
    )


def _keys_changed(*, setting: str, **_kwargs: Any) -> None:
    if setting in {"FIELD_KEYS", "HASH_KEYS", "SECRET_KEY", "PRODUCTION"}:
        keyring.cache_clear()


setting_changed.connect(_keys_changed)


class _BlankOnlyExact(Exact[Any]):
    """``= ''`` only: a sealed value never equals its plain text in SQL, so a lookup by
    value would silently find nothing. Search by the value's hash column instead."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.target.name} is sealed: look it up by its hash column, not its value."
            )
        return super().get_prep_lookup()


class SealedCharField(models.CharField[str, str]):
    """Text stored sealed; read back as plain text. ``max_length`` bounds the plain text
    (forms, validation); the column is unbounded text, which the sealed value needs.
    Only "is blank" can be asked of it in a query (``_BlankOnlyExact``)."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "text"

    def cast_db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "text"

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        return value if not value else keyring().seal(value)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        return keyring().unseal(value) if value else value

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name == "exact":
            return _BlankOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None


class SealedWhenTextField(models.TextField[str, str]):
    """Text sealed only on rows where another column names a personal field: the old and
    new values of history rows and change requests, which are phones and ID numbers on
    some rows and segments or capacities on most. Sealing happens as the row is saved
    (``pre_save``: ``save`` and ``bulk_create``); reading opens any sealed value."""

    def __init__(
        self, *args: Any, switch: str = "field", sealed: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        self.switch = switch
        self.sealed = tuple(sealed)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["switch"] = self.switch
        kwargs["sealed"] = self.sealed
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value and getattr(model_instance, self.switch) in self.sealed:
            return keyring().seal(value)
        return value

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if not value or not value.startswith(PREFIX):
            return value
        try:
            return keyring().unseal(value)
        except SealError:
            # Typed text that merely looks sealed (an address starting "gc1."): the
            # column holds free text on most rows. Never a plain personal value.
            return value
