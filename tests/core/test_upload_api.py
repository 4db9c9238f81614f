"""Uploads through the API (bearer tokens) and the pages: refused with their codes,
early, and leaving nothing stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client
from pytest_django.fixtures import Settings

from gridcrm.archive.models import Customer
from gridcrm.jobs.models import Job
from gridcrm.jobs.services import job_execute
from gridcrm.lake.models import LakeImport
from gridcrm.service.models import Attachment
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.archive.test_import import household
from tests.conftest import Regions, make_user
from tests.core.conftest import (
    READINGS_HEADER,
    customers_csv,
    readings_parquet,
    stored_files,
    truncated,
    xlsx_bomb,
)

pytestmark = pytest.mark.django_db

READINGS = f"{READINGS_HEADER}\n0100000001,M1,2024-03-01 00:00,0.5\n".encode()


@pytest.fixture
def officer(regions: Regions) -> User:
    """May import customers and lake facts."""
    return make_user("officer", Role.ARCHIVE_OFFICER)


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_issue(user=user, name='etl')}"}


def _small_limits(settings: Settings, **limits: int) -> None:
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, **limits}


def test_a_lake_upload_over_its_limit_is_refused_with_its_code(
    officer: User, settings: Settings, var_dir: Path
) -> None:
    _small_limits(settings, lake=1000)
    body = READINGS + b"0100000001,M1,2024-03-01 00:15,0.5\n" * 200

    response = Client().post(
        "/api/lake/imports",
        {"table": "readings", "file": SimpleUploadedFile("big.csv", body)},
        headers=bearer(officer),
    )

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "core.upload_too_large"
    assert not LakeImport.objects.exists()
    assert stored_files(var_dir) == []


class _Counting(FileUploadHandler):
    """Stands in for the handlers that write a file: counts what reaches them."""

    seen = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        type(self).seen += len(raw_data)
        return None

    def file_complete(self, file_size: int) -> Any:
        return None


def test_a_body_over_the_limit_is_cut_off_while_it_streams(
    officer: User, settings: Settings
) -> None:
    _small_limits(settings, lake=100_000)
    settings.FILE_UPLOAD_HANDLERS = [
        "gridcrm.core.upload_handler.BoundedUploadHandler",
        "tests.core.test_upload_api._Counting",
    ]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1
    _Counting.seen = 0
    body = READINGS * 200_000  # 8 MB, eighty times the limit

    response = Client().post(
        "/api/lake/imports",
        {"table": "readings", "file": SimpleUploadedFile("big.csv", body)},
        headers=bearer(officer),
    )

    assert response.json()["code"] == "core.upload_too_large"
    # Refused by its announced length: not one byte of the file went on to be written.
    assert _Counting.seen == 0


def test_a_file_that_streams_past_the_limit_is_cut_off_at_the_limit(
    officer: User, settings: Settings
) -> None:
    _small_limits(settings, lake=100_000)
    settings.FILE_UPLOAD_HANDLERS = [
        "gridcrm.core.upload_handler.BoundedUploadHandler",
        "tests.core.test_upload_api._Counting",
    ]
    _Counting.seen = 0
    body = b"x" * 150_000  # within the room the body's length leaves for form fields

    response = Client().post(
        "/api/lake/imports",
        {"table": "readings", "file": SimpleUploadedFile("big.csv", body)},
        headers=bearer(officer),
    )

    assert response.json()["code"] == "core.upload_too_large"
    assert 0 < _Counting.seen <= 100_000


def test_a_truncated_parquet_upload_is_refused_without_a_server_path(
    officer: User, tmp_path: Path, var_dir: Path
) -> None:
    cut = truncated(tmp_path / "meter.parquet", readings_parquet(tmp_path / "whole.parquet"))

    response = Client().post(
        "/api/lake/imports",
        {"table": "readings", "file": SimpleUploadedFile("meter.parquet", cut.read_bytes())},
        headers=bearer(officer),
    )

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "core.upload_corrupt"
    assert str(var_dir) not in body["detail"]
    assert "/" not in body["detail"]  # no path of the server, nor any other
    assert not LakeImport.objects.exists()


def test_a_nul_in_a_lake_key_fails_the_import_with_its_code(
    officer: User, customer_a: Customer
) -> None:
    client, headers = Client(), bearer(officer)
    body = READINGS + b"0100000001,M\x002,2024-03-01 00:00,0.5\n"

    started = client.post(
        "/api/lake/imports",
        {"table": "readings", "file": SimpleUploadedFile("nul.csv", body)},
        headers=headers,
    )
    assert started.status_code == 202, started.content
    record = LakeImport.objects.get(pk=started.json()["id"])
    assert record.job is not None
    job_execute(job_id=record.job.pk)

    report = client.get(f"/api/lake/imports/{record.pk}", headers=headers).json()
    assert report["status"] == "failed"
    assert report["error_code"] == "core.upload_control_char"
    assert report["accepted"] == 0


def test_an_xlsx_zip_bomb_is_refused_at_upload_and_starts_no_job(
    officer: User, tmp_path: Path, var_dir: Path
) -> None:
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx")

    response = Client().post(
        "/api/customers/import",
        {"file": SimpleUploadedFile("bomb.xlsx", bomb.read_bytes())},
        headers=bearer(officer),
    )

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "core.upload_zip_bomb"
    assert not Job.objects.exists()
    assert stored_files(var_dir) == []


def test_a_customer_import_over_its_limit_is_refused(
    officer: User, tmp_path: Path, settings: Settings
) -> None:
    _small_limits(settings, customers=100)
    path = customers_csv(tmp_path / "c.csv", household("0100009001"))

    response = Client().post(
        "/api/customers/import",
        {"file": SimpleUploadedFile("c.csv", path.read_bytes())},
        headers=bearer(officer),
    )

    assert (response.status_code, response.json()["code"]) == (422, "core.upload_too_large")
    assert not Job.objects.exists()


def test_an_attachment_over_its_limit_is_refused(
    agent: User, customer_a: Customer, settings: Settings
) -> None:
    client, headers = Client(), bearer(agent)
    created = client.post(
        "/api/service/requests",
        {
            "account_no": customer_a.account_no,
            "type": "new_lv_residential",
            "channel": "app",
            "summary": "新装",
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    _small_limits(settings, attachment=1000)

    response = client.post(
        f"/api/service/requests/{created.json()['id']}/attachments",
        {"file": SimpleUploadedFile("photo.jpg", b"\xff" * 5000)},
        headers=headers,
    )

    assert (response.status_code, response.json()["code"]) == (422, "core.upload_too_large")
    assert not Attachment.objects.exists()


def test_the_lake_page_shows_the_refusal_of_a_file_over_the_limit(
    officer: User, settings: Settings, var_dir: Path
) -> None:
    _small_limits(settings, lake=1000)
    client = Client()
    client.force_login(officer)
    client.cookies["django_language"] = "en"

    response = client.post(
        "/lake/imports/",
        {"table": "readings", "file": SimpleUploadedFile("big.csv", READINGS * 100)},
    )

    assert response.status_code == 422
    assert "larger than" in response.content.decode()
    assert not LakeImport.objects.exists()
    assert stored_files(var_dir) == []


def test_the_lake_page_shows_a_type_mismatch_on_its_form(officer: User, tmp_path: Path) -> None:
    client = Client()
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    parquet = readings_parquet(tmp_path / "r.parquet").read_bytes()

    response = client.post(
        "/lake/imports/",
        {"table": "readings", "file": SimpleUploadedFile("readings.csv", parquet)},
    )

    assert response.status_code == 422
    assert "does not match the file type" in response.content.decode()
    assert not LakeImport.objects.exists()
