"""Files for the upload tests: generated in each test, small, each with one fault."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import translation
from openpyxl import Workbook
from pytest_django.fixtures import Settings

from tests.archive.test_import import HEADER, household


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def var_dir(settings: Settings, tmp_path: Path) -> Path:
    """Uploads, rejects, exports and the lake of the test, all under ``tmp_path``."""
    var = tmp_path / "var"
    var.mkdir()
    settings.VAR_DIR = var
    settings.LAKE_URL = str(var / "lake")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return var


def stored_files(var: Path) -> list[Path]:
    """Every file kept under the var folder (the lake's lock file aside)."""
    return sorted(p for p in var.rglob("*") if p.is_file() and not p.name.endswith(".lock"))


def customers_csv(path: Path, *rows: dict[str, str]) -> Path:
    lines = [",".join(HEADER)] + [",".join(row[c] for c in HEADER) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def customers_xlsx(path: Path, *rows: dict[str, str]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[c] for c in HEADER])
    book.save(path)
    return path


def xlsx_with_member(path: Path, member: str, data: bytes) -> Path:
    """A real customer workbook with one more member of the given (unpacked) bytes."""
    customers_xlsx(path, household("0100009001"))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return path


def xlsx_bomb(path: Path, unpacked: int = 4 * 1024**2) -> Path:
    """A workbook whose one cell is ``unpacked`` bytes of zeros: a few kB on disk.

    openpyxl cuts a cell to Excel's 32,767 characters, so the sheet is rewritten."""
    cell = "0" * 32_767
    plain = customers_xlsx(path.with_suffix(".plain.xlsx"), household("0100009001", address=cell))
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(cell.encode(), b"0" * unpacked)
            target.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


def readings_parquet(path: Path) -> Path:
    pq.write_table(
        pa.table(
            {
                "account_no": ["0100000001"] * 50,
                "meter_no": [f"M{i}" for i in range(50)],
                "ts": ["2024-05-01 00:00"] * 50,
                "kwh": [1.0] * 50,
            }
        ),
        path,
    )
    return path


def truncated(path: Path, source: Path) -> Path:
    """The first half of ``source``: a copy cut off in transfer."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


READINGS_HEADER = "account_no,meter_no,ts,kwh"
