"""``gridcrm rotate_keys``: a new field key and a new hash key take over every row, and
the data reads back and is found with the old keys gone."""

from __future__ import annotations

import base64
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from gridcrm.archive.credit_lists import credit_list_import
from gridcrm.archive.models import Customer, FieldChange, PublicCreditEntry
from gridcrm.archive.selectors import customer_search
from gridcrm.archive.services import change_request_approve, change_request_submit
from gridcrm.core.sealing import PREFIX, SealError, key_id
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer, uscc

OLD_KEY, NEW_KEY = os.urandom(32), os.urandom(32)
OLD_HASH, NEW_HASH = b"o" * 40, b"n" * 40


def _rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, "--batch-size", "2", stdout=out)
    return out.getvalue()


def _raw(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [value for row in cursor.fetchall() for value in row if value]


def _archive(regions: Regions, agent: User, archivist: User) -> None:
    """Customers, a phone change with its history, and a credit list entry."""
    first = make_customer(regions.station_a1, "0100000001", "王建国")
    for n in range(2, 6):
        make_customer(regions.station_a1, f"010000000{n}", f"住户{n}", phone=f"1380000000{n}")
    make_customer(
        regions.station_b1,
        "0200000001",
        "恒达钢铁",
        certificate_type="uscc",
        certificate_no=uscc(1),
        phone="0353-6123456",
        phone_alt="13700002222",
    )
    request = change_request_submit(
        customer=first, field="phone", new_value="13600001234", reason="更正", acting_user=agent
    )
    change_request_approve(request=request, acting_user=archivist)
    credit_list_import(
        text=f"certificate_no,list_name\n{uscc(1)},严重失信主体名单\n", source="s", acting_user=None
    )


def _found(agent: User, query: str) -> list[str]:
    return [c.account_no for c in customer_search(user=agent, query=query)]


@pytest.mark.django_db
def test_rotation_moves_every_row_to_the_new_keys_and_reads_back(
    regions: Regions, agent: User, archivist: User
) -> None:
    with override_settings(FIELD_KEYS=[OLD_KEY], HASH_KEYS=[OLD_HASH]):
        _archive(regions, agent, archivist)
    # Step 1: the new keys first, the old ones still there.
    with override_settings(FIELD_KEYS=[NEW_KEY, OLD_KEY], HASH_KEYS=[NEW_HASH, OLD_HASH]):
        # Before the rotation the rows are still found (searched under both hash keys).
        assert _found(agent, "13600001234") == ["0100000001"]
        with pytest.raises(CommandError):
            _rotate("--check")
        output = _rotate()
        assert "archive_customer: 6 / 6" in output
        assert "archive_customer: 6 read, 6 rewritten" in output
        # Idempotent: a second run (or a killed run run again) rewrites nothing.
        assert "archive_customer: 6 read, 0 rewritten" in _rotate()
        _rotate("--check")
    # Step 2: the old keys removed. Everything reads back and is found.
    with override_settings(FIELD_KEYS=[NEW_KEY], HASH_KEYS=[NEW_HASH]):
        current = f"{PREFIX}{key_id(NEW_KEY)}."
        sealed = _raw("SELECT phone, phone_alt, certificate_no FROM archive_customer")
        sealed += _raw("SELECT certificate_no FROM archive_publiccreditentry")
        sealed += _raw("SELECT old_value, new_value FROM archive_fieldchange WHERE field = 'phone'")
        sealed += _raw("SELECT old_value, new_value FROM archive_changerequest")
        assert sealed
        assert all(value.startswith(current) for value in sealed)
        steel = Customer.objects.get(account_no="0200000001")
        assert (steel.phone, steel.phone_alt, steel.certificate_no) == (
            "0353-6123456",
            "13700002222",
            uscc(1),
        )
        assert PublicCreditEntry.objects.get().certificate_no == uscc(1)
        change = FieldChange.objects.get(field="phone")
        assert (change.old_value, change.new_value) == ("13834567890", "13600001234")
        assert _found(agent, "13600001234") == ["0100000001"]
        assert _found(agent, "13700002222") == ["0200000001"]
        assert _found(agent, "03536123456") == ["0200000001"]
        assert _found(agent, "0003") == ["0100000003"]
        # The credit list still matches its customer under the new hash key.
        credit_list_import(
            text=f"certificate_no,list_name\n{uscc(1)},严重失信主体名单\n",
            source="s",
            acting_user=None,
        )
        assert Customer.objects.get(account_no="0200000001").credit_blacklisted is True


@pytest.mark.django_db
def test_removing_the_old_key_too_early_is_refused_by_name_not_silently(
    regions: Regions,
) -> None:
    with override_settings(FIELD_KEYS=[OLD_KEY], HASH_KEYS=[OLD_HASH]):
        make_customer(regions.station_a1, "0100000001", "王建国")
    with override_settings(FIELD_KEYS=[NEW_KEY], HASH_KEYS=[OLD_HASH]):
        with pytest.raises(SealError):
            Customer.objects.get(account_no="0100000001")
        with pytest.raises(CommandError, match=key_id(OLD_KEY)):
            _rotate()


def test_new_key_prints_a_usable_field_key() -> None:
    key = _rotate("--new-key").strip()
    assert len(base64.urlsafe_b64decode(key)) == 32


def _gridcrm(tmp_path: Path, *args: str, **env: str) -> Any:
    import subprocess
    import sys

    unset = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "GRIDCRM_FIELD_KEYS", "GRIDCRM_HASH_KEY"}
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


def test_production_without_keys_fails_the_deploy_check_naming_them(tmp_path: Path) -> None:
    production = {
        "GRIDCRM_PRODUCTION": "1",
        "GRIDCRM_SECRET_KEY": "k" * 20 + "-Q7x!" + "z9" * 20,
        "GRIDCRM_ALLOWED_HOSTS": "crm.example.cn",
    }
    result = _gridcrm(tmp_path, "check", "--deploy", **production)
    assert result.returncode != 0
    assert "core.E001" in result.stderr + result.stdout
    assert "core.E002" in result.stderr + result.stdout
    field_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    result = _gridcrm(
        tmp_path,
        "check",
        **production,
        GRIDCRM_FIELD_KEYS=field_key,
        GRIDCRM_HASH_KEY="h" * 32,
    )
    assert result.returncode == 0, result.stderr
    result = _gridcrm(tmp_path, "check", **production, GRIDCRM_FIELD_KEYS="too-short")
    assert result.returncode != 0
    assert "GRIDCRM_FIELD_KEYS" in result.stderr
    assert "too-short" not in result.stderr  # a key is never echoed


@pytest.mark.parametrize("key", [b"k" * 32, b"q" * 100])
def test_search_hashes_are_hmac_sha256_of_kind_and_text(key: bytes) -> None:
    import hmac

    from gridcrm.core.sealing import Keyring

    ring = Keyring(field_keys=[OLD_KEY], hash_keys=[key, OLD_HASH])
    expected = hmac.digest(key, b"phone:13812345678", "sha256").hex()[:32]
    assert ring.search_hash("phone", "13812345678") == expected
    assert ring.search_hashes("phone", "13812345678")[0] == expected
    assert ring.search_hash("phone", "") == ""
    sealed = ring.seal_many(["13812345678", "", "13812345678"])
    assert sealed[1] == ""
    assert sealed[0] != sealed[2]  # a fresh nonce each: equal phones do not look equal
    assert [ring.unseal(v) for v in sealed] == ["13812345678", "", "13812345678"]
