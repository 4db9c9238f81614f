"""The bounded reader of uploaded files, at the level of the services that read them:
each finding of the probe reproduced with a small generated file, refused with its code,
and nothing stored changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from gridcrm.archive.credit_lists import credit_list_import
from gridcrm.archive.imports import customers_import
from gridcrm.archive.models import Customer, PublicCreditEntry
from gridcrm.core.uploads import UploadRefused
from gridcrm.lake import catalog
from gridcrm.lake.models import LakeImport
from gridcrm.lake.services import lake_import_create, lake_import_run
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.archive.test_import import household
from tests.conftest import Regions, make_user
from tests.core.conftest import (
    READINGS_HEADER,
    customers_csv,
    customers_xlsx,
    random_bytes,
    readings_parquet,
    truncated,
    xlsx_bomb,
    xlsx_with_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(regions: Regions) -> User:
    return make_user("officer", Role.ARCHIVE_OFFICER)


@pytest.fixture
def lake_officer(regions: Regions) -> User:
    return make_user("lake_officer", Role.ADMINISTRATOR)


def _refused(path: Path, officer: User) -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        customers_import(path=path, acting_user=officer)
    assert not Customer.objects.exists()
    return refused.value


# -- customer imports -------------------------------------------------------------------


def test_an_xlsx_zip_bomb_is_refused_by_its_ratio_before_it_is_opened(
    officer: User, tmp_path: Path
) -> None:
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 100_000  # 4 MB of cell, a few kB of file

    error = _refused(bomb, officer)

    assert error.code == "core.upload_zip_bomb"
    assert "bomb.xlsx" in error.message


def test_an_xlsx_that_unpacks_over_the_limit_is_refused(
    officer: User, tmp_path: Path, settings: Settings
) -> None:
    settings.UPLOAD_XLSX_MAX_UNPACKED_BYTES = 1024**2
    # Random bytes do not compress: a ratio of one, but 2 MB unpacked.
    path = xlsx_with_member(tmp_path / "big.xlsx", "xl/media/photo.bin", random_bytes(2 * 1024**2))

    assert _refused(path, officer).code == "core.upload_zip_bomb"


def test_a_long_cell_is_refused_with_its_row_and_column(
    officer: User, tmp_path: Path, settings: Settings
) -> None:
    settings.UPLOAD_MAX_CELL_CHARS = 100
    path = customers_csv(
        tmp_path / "long.csv",
        household("0100009001"),
        household("0100009002", address="山" * 101),
    )

    error = _refused(path, officer)

    assert error.code == "core.upload_cell_too_long"
    assert "Row 3" in error.message
    assert "address" in error.message


def test_a_long_cell_in_a_workbook_is_refused_and_leaves_no_reject_file(
    officer: User, tmp_path: Path, settings: Settings, var_dir: Path
) -> None:
    settings.UPLOAD_MAX_CELL_CHARS = 100
    path = customers_xlsx(
        tmp_path / "long.xlsx",
        household("0100009001", phone="1"),  # a rejected row: a reject file would be made
        household("0100009002", address="x" * 5000),
    )

    error = _refused(path, officer)

    assert error.code == "core.upload_cell_too_long"
    assert "Row 3" in error.message
    assert not list(var_dir.rglob("*rejects*"))


def test_a_cell_far_over_the_csv_readers_own_limit_is_a_long_cell(
    officer: User, tmp_path: Path
) -> None:
    path = customers_csv(tmp_path / "huge.csv", household("0100009001", address="x" * 200_000))

    assert _refused(path, officer).code == "core.upload_cell_too_long"


def test_a_nul_in_a_cell_is_refused(officer: User, tmp_path: Path) -> None:
    path = customers_csv(tmp_path / "nul.csv", household("0100009001", name="李\x00秀英"))

    error = _refused(path, officer)

    assert error.code == "core.upload_control_char"
    assert "Row 2" in error.message


def test_too_many_rows_are_refused_before_any_is_written(
    officer: User, tmp_path: Path, settings: Settings
) -> None:
    settings.UPLOAD_MAX_ROWS = 2
    rows = [household(f"01000090{n:02d}") for n in range(1, 4)]
    path = customers_csv(tmp_path / "many.csv", *rows)

    assert _refused(path, officer).code == "core.upload_too_many_rows"


def test_a_workbook_named_csv_is_refused_as_another_type(officer: User, tmp_path: Path) -> None:
    book = customers_xlsx(tmp_path / "book.xlsx", household("0100009001"))
    path = tmp_path / "book.csv"
    path.write_bytes(book.read_bytes())

    assert _refused(path, officer).code == "core.upload_type_mismatch"


def test_a_csv_named_xlsx_is_refused_as_another_type(officer: User, tmp_path: Path) -> None:
    text = customers_csv(tmp_path / "t.csv", household("0100009001"))
    path = tmp_path / "t.xlsx"
    path.write_bytes(text.read_bytes())

    assert _refused(path, officer).code == "core.upload_type_mismatch"


# -- lake imports -----------------------------------------------------------------------


def _lake_import(path: Path, user: User, table: str = "readings") -> LakeImport:
    with path.open("rb") as handle:
        record = lake_import_create(
            table=table, source_name=path.name, content=handle, acting_user=user
        )
    return lake_import_run(lake_import=record)


def test_a_nul_in_a_lake_key_is_refused_and_the_lake_is_unchanged(
    lake_officer: User, tmp_path: Path, customer_a: object
) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(
        f"{READINGS_HEADER}\n0100000001,M1,2024-03-01 00:00,0.5\n"
        "0100000001,M\x002,2024-03-01 00:00,0.5\n".encode()
    )

    record = _lake_import(path, lake_officer)

    assert record.status == LakeImport.Status.FAILED
    assert record.error_code == "core.upload_control_char"
    assert "meter_no" in record.error
    assert catalog.partition_files("readings") == []


def test_a_long_cell_in_a_lake_file_is_refused_with_its_row(
    lake_officer: User, tmp_path: Path, settings: Settings, customer_a: object
) -> None:
    settings.UPLOAD_MAX_CELL_CHARS = 20
    path = tmp_path / "long.csv"
    path.write_text(
        f"{READINGS_HEADER}\n0100000001,{'M' * 21},2024-03-01 00:00,0.5\n", encoding="utf-8"
    )

    record = _lake_import(path, lake_officer)

    assert record.error_code == "core.upload_cell_too_long"
    assert not record.reject_file
    assert catalog.partition_files("readings") == []


def test_a_truncated_parquet_file_is_reported_as_such_without_a_server_path(
    lake_officer: User, tmp_path: Path, var_dir: Path
) -> None:
    whole = readings_parquet(tmp_path / "whole.parquet")
    cut = truncated(tmp_path / "meter.parquet", whole)

    with pytest.raises(UploadRefused) as refused:
        _lake_import(cut, lake_officer)

    assert refused.value.code == "core.upload_corrupt"
    assert "meter.parquet" in refused.value.message
    assert "CSV" not in refused.value.message
    assert str(var_dir) not in refused.value.message
    assert not LakeImport.objects.exists()
    assert not list((var_dir / "lake_uploads").glob("*"))


def test_a_lake_upload_over_its_limit_is_refused_and_not_kept(
    lake_officer: User, tmp_path: Path, settings: Settings, var_dir: Path
) -> None:
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "lake": 1000}
    path = tmp_path / "big.csv"
    path.write_text(READINGS_HEADER + "\n" + "0100000001,M1,2024-03-01 00:00,0.5\n" * 100)

    with pytest.raises(UploadRefused) as refused:
        _lake_import(path, lake_officer)

    assert refused.value.code == "core.upload_too_large"
    assert not LakeImport.objects.exists()
    assert not list((var_dir / "lake_uploads").glob("*"))


# -- credit lists -----------------------------------------------------------------------


def test_a_credit_list_with_a_control_character_is_refused_whole(regions: Regions) -> None:
    text = "certificate_no,list_name\n140302198001010011,失信被执行人\x07名单\n"

    with pytest.raises(UploadRefused) as refused:
        credit_list_import(text=text, source="法院", acting_user=None)

    assert refused.value.code == "core.upload_control_char"
    assert not PublicCreditEntry.objects.exists()
