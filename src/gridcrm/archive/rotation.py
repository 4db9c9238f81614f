"""Key rotation of the sealed personal fields (``gridcrm rotate_keys``; docs/security.md,
"At rest").

Every sealed value not sealed under the current field key is sealed again under it,
and every stored hash that is not the current hash key's is made again from the opened
value. Rows already current are read and left alone, so a run is idempotent, and one
killed half-way resumes where it stopped when run again: each batch commits on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction

from gridcrm.archive.personal import HASH_COLUMNS, SEALED_FIELDS, certificate_hash, personal_hashes
from gridcrm.core.sealing import Keyring, keyring

Progress = Callable[[str, int, int], None]

CUSTOMER_SEALED = ("phone", "phone_alt", "certificate_no")
# History rows and change requests of a sealed field carry its values.
VALUE_TABLES = ("archive_fieldchange", "archive_changerequest")


@dataclass
class RotationReport:
    """Per table: rows read, and rows written again (``rewritten``)."""

    read: dict[str, int] = field(default_factory=dict)
    rewritten: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        """Rows that were (or, in a check, would be) written."""
        return sum(self.rewritten.values())


def fields_reseal(
    *, batch_size: int = 2000, dry_run: bool = False, progress: Progress | None = None
) -> RotationReport:
    """Seal every personal value under the current field key and hash it under the
    current hash key. ``dry_run`` only counts the rows that need it (``--check``).
    Raises ``core.sealing.SealError`` for a value no configured key opens: the old key
    was removed before its rows were rotated."""
    ring = keyring()
    report = RotationReport()
    _customers(ring, report, batch_size, dry_run, progress)
    _credit_entries(ring, report, batch_size, dry_run, progress)
    for table in VALUE_TABLES:
        _values(ring, table, report, batch_size, dry_run, progress)
    return report


def _batches(sql: str, params: Sequence[Any], batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``sql`` (which ends ``id > %s ORDER BY id LIMIT %s``), a batch at a time."""
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, last, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _count(table: str, where: str = "", params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} {where}", params)  # noqa: S608 (our names)
        return int(cursor.fetchone()[0])


def _write(sql: str, rows: list[list[Any]], dry_run: bool) -> None:
    if rows and not dry_run:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _customers(
    ring: Keyring, report: RotationReport, size: int, dry_run: bool, progress: Progress | None
) -> None:
    table = "archive_customer"
    columns = ", ".join((*CUSTOMER_SEALED, *HASH_COLUMNS))
    total, done, written = _count(table), 0, 0
    for rows in _batches(
        f"SELECT id, {columns} FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
        [],
        size,
    ):
        updates = []
        for pk, *stored in rows:
            sealed = dict(zip(CUSTOMER_SEALED, stored[: len(CUSTOMER_SEALED)], strict=True))
            hashes = dict(zip(HASH_COLUMNS, stored[len(CUSTOMER_SEALED) :], strict=True))
            plain = {name: ring.unseal(value or "") for name, value in sealed.items()}
            wanted_hashes = personal_hashes(SimpleNamespace(**plain))
            if wanted_hashes == hashes and all(ring.is_current(v or "") for v in sealed.values()):
                continue
            resealed = [
                sealed[name] if ring.is_current(sealed[name] or "") else ring.seal(plain[name])
                for name in CUSTOMER_SEALED
            ]
            updates.append([*resealed, *(wanted_hashes[h] for h in HASH_COLUMNS), pk])
        assignments = ", ".join(f"{c} = %s" for c in (*CUSTOMER_SEALED, *HASH_COLUMNS))
        _write(f"UPDATE {table} SET {assignments} WHERE id = %s", updates, dry_run)  # noqa: S608
        done, written = done + len(rows), written + len(updates)
        if progress is not None:
            progress(table, done, total)
    report.read[table], report.rewritten[table] = done, written


def _credit_entries(
    ring: Keyring, report: RotationReport, size: int, dry_run: bool, progress: Progress | None
) -> None:
    table = "archive_publiccreditentry"
    total, done, written = _count(table), 0, 0
    for rows in _batches(
        f"SELECT id, certificate_no, certificate_hash FROM {table}"  # noqa: S608
        " WHERE id > %s ORDER BY id LIMIT %s",
        [],
        size,
    ):
        updates = []
        for pk, sealed, stored_hash in rows:
            plain = ring.unseal(sealed)
            wanted = certificate_hash(plain)
            if ring.is_current(sealed) and wanted == stored_hash:
                continue
            updates.append([sealed if ring.is_current(sealed) else ring.seal(plain), wanted, pk])
        _write(
            f"UPDATE {table} SET certificate_no = %s, certificate_hash = %s WHERE id = %s",  # noqa: S608
            updates,
            dry_run,
        )
        done, written = done + len(rows), written + len(updates)
        if progress is not None:
            progress(table, done, total)
    report.read[table], report.rewritten[table] = done, written


def _values(
    ring: Keyring,
    table: str,
    report: RotationReport,
    size: int,
    dry_run: bool,
    progress: Progress | None,
) -> None:
    fields = ", ".join(["%s"] * len(SEALED_FIELDS))
    where = f"WHERE field IN ({fields})"
    total, done, written = _count(table, where, SEALED_FIELDS), 0, 0
    for rows in _batches(
        f"SELECT id, old_value, new_value FROM {table} {where}"  # noqa: S608
        " AND id > %s ORDER BY id LIMIT %s",
        SEALED_FIELDS,
        size,
    ):
        updates = []
        for pk, old, new in rows:
            if ring.is_current(old or "") and ring.is_current(new or ""):
                continue
            updates.append(
                [
                    old if ring.is_current(old or "") else ring.seal(ring.unseal(old)),
                    new if ring.is_current(new or "") else ring.seal(ring.unseal(new)),
                    pk,
                ]
            )
        _write(
            f"UPDATE {table} SET old_value = %s, new_value = %s WHERE id = %s",  # noqa: S608
            updates,
            dry_run,
        )
        done, written = done + len(rows), written + len(updates)
        if progress is not None:
            progress(table, done, total)
    report.read[table], report.rewritten[table] = done, written
