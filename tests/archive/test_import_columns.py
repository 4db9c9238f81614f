"""The import's column-wise cleaning (``Cleaner.clean_column``) gives cell for cell what
the cleaner gives, and a first load on PostgreSQL leaves the search indexes in place,
even when it fails half-way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from gridcrm.archive import registry
from gridcrm.archive.imports import Cleaner, bulkload, column_checks, customers_import
from gridcrm.archive.models import Customer, FieldChange, PendingSchemaStep
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.archive.test_import import household, write_csv
from tests.conftest import Regions, make_user, resident_id, uscc

TEXT = [
    "",
    " ",
    "王建国",
    "  王 建国 ",
    "\u3000王建国",
    "王建国\u00a0",
    "王\n建国",
    "王\x00建国",
    "x" * 200,
    "x" * 201,
    "<script>alert(1)</script>",
    "=HYPERLINK(1)",
    " =1+1",
    "+86",
    "-",
    "@x",
    "a",
    "\u200b王",
    "王\u0301",
]
CELLS = {
    "account_no": [
        "0100000001",
        " 0100000001",
        "010000000",
        "01000000011",
        "０１０００００００１",
        "a",
    ],
    "phone": [
        "13834567890",
        "0353-6123456",
        "03536123456",
        "1383456789",
        "12345678901",
        "13834567890\n",
    ],
    "certificate_no": [
        resident_id(1),
        resident_id(2).lower(),
        resident_id(1)[:-1] + "0",
        uscc(2),
        uscc(3)[:-1] + "0",
        "X" * 18,
        resident_id(3)[:17] + "x",
        "１" + resident_id(4)[1:],
    ],
    "industry_code": ["C3110", "c3110", "Z9999", "C31", " C3110", "T1234"],
    "contracted_kva": ["8", "8.04", "8.05", "-1", "eight", " 7 ", ""],
    "tariff_category": ["residential", "Residential", "居民", "", "nonsense"],
    "region": ["YQ0101", "YQ9999", "", "YQ02"],
}


def cell_by_cell(cleaner: Cleaner, raws: list[str]) -> list[Any]:
    out: list[Any] = []
    for raw in raws:
        try:
            out.append(("ok", cleaner(raw)))
        except ValidationError as exc:
            out.append(("error", exc.messages))
    return out


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "name", ["name", "address", "transformer_area", "contact_person", "phone_alt", *CELLS]
)
def test_a_column_is_cleaned_as_cell_by_cell(regions: Regions, name: str) -> None:
    cleaner = Cleaner(registry.spec(name))
    raws = CELLS.get(name, []) + TEXT
    values, errors = Cleaner(registry.spec(name)).clean_column(raws)
    got = [
        ("error", errors[i].messages) if i in errors else ("ok", value)
        for i, value in enumerate(values)
    ]
    assert got == cell_by_cell(cleaner, raws)


def test_the_plain_text_columns_are_checked_over_the_column() -> None:
    for name in ("name", "address", "account_no", "phone", "certificate_no", "industry_code"):
        assert Cleaner(registry.spec(name)).column_checks is not None, name


GIN = {
    "archive_customer_name_trgm",
    "archive_customer_address_trgm",
    "archive_customer_search_bigrams",
}
# Some of the b-trees that stay (and are kept up) during a first load.
KEYS = {
    "archive_customer_pkey",
    "customer_account_no_unique",
    "archive_customer_portal_user_id_key",
    "archive_fieldchange_pkey",
}


def indexes() -> dict[str, str]:
    """The customer and history tables' indexes by name, with their definitions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename IN ('archive_customer', 'archive_fieldchange')"
        )
        return dict(cursor.fetchall())


def foreign_keys() -> dict[str, str]:
    """The customer and history tables' foreign keys by name, with their definitions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid IN ('archive_customer'::regclass, 'archive_fieldchange'::regclass)"
        )
        return dict(cursor.fetchall())


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the deferred indexes are PostgreSQL's"
)


ENDS = [
    *TEXT,
    "王",
    "王a",
    "a王",
    "\x1f王",
    "王\x1f",
    "\x85王",
    "é",
    "王é",
    "😀",
    "王😀",
    "㐀王",
    "王\u9fff",
    "\u4dc0王",
    "ab ",
    "\t",
    "王\u2028",
    "~!",
]


def test_the_byte_checks_agree_with_the_regular_expressions() -> None:
    """``stripped`` and ``no_formula`` decide from bytes what ``STRIPPED`` and
    ``FORMULA`` decide by matching: every cell the same."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(ENDS, type=pa.string())
    regex = pc.match_substring_regex(array, column_checks.STRIPPED).to_pylist()
    assert list(column_checks.stripped(array)) == regex
    formula = pc.match_substring_regex(array, column_checks.FORMULA).to_pylist()
    assert list(column_checks.no_formula(array)) == [not f for f in formula]
    assert list(column_checks.no_nul(array)) == ["\x00" not in cell for cell in ENDS]
    # Sliced arrays (a column of a later batch) read their own cells.
    assert list(column_checks.stripped(array.slice(3))) == regex[3:]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_first_load_makes_its_indexes_and_foreign_keys_again(
    regions: Regions, tmp_path: Path
) -> None:
    officer: User = make_user("officer", Role.ARCHIVE_OFFICER)
    before = (indexes(), foreign_keys())
    assert GIN | KEYS <= set(before[0])
    assert len(before[1]) == 6  # station, managers, portal login; customer, acting user, request
    path = write_csv(tmp_path / "a.csv", [household(f"01000001{n:02d}") for n in range(30)])
    report = customers_import(path=path, acting_user=officer, batch_size=10)
    assert report.created == 30
    assert (indexes(), foreign_keys()) == before
    assert Customer.objects.filter(address__contains="桃北西街").count() == 30
    assert FieldChange.objects.filter(field="account_no", kind="imported").count() == 30
    # the COPY of the history writes the audit row's columns: who, and no details
    audit = FieldChange.objects.values_list("acting_user_id", "details")
    assert all(row == (officer.pk, {}) for row in audit)
    assert set(Customer.objects.values_list("history__new_value", flat=True)) == {
        f"01000001{n:02d}" for n in range(30)
    }


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_first_load_still_makes_them_again(
    regions: Regions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer: User = make_user("officer", Role.ARCHIVE_OFFICER)
    dropped: list[set[str]] = []
    copy = bulkload.copy_customers

    def failing_copy(*args: Any) -> None:
        dropped.append(set(indexes()) | set(foreign_keys()))
        if len(dropped) == 2:
            raise RuntimeError("disk full")
        copy(*args)

    monkeypatch.setattr(bulkload, "copy_customers", failing_copy)
    before = (indexes(), foreign_keys())
    path = write_csv(tmp_path / "a.csv", [household(f"01000002{n:02d}") for n in range(30)])
    with pytest.raises(RuntimeError, match="disk full"):
        customers_import(path=path, acting_user=officer, batch_size=10)
    # The load ran without the GIN indexes and the foreign keys, with every b-tree.
    assert dropped[0] == set(before[0]) - GIN
    assert (indexes(), foreign_keys()) == before


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_index_that_fails_to_build_does_not_stop_the_others_or_the_keys(
    regions: Regions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer: User = make_user("officer", Role.ARCHIVE_OFFICER)
    run_steps = bulkload.run_steps

    def failing_run_steps(alias: str, pks: list[int]) -> None:
        statements = PendingSchemaStep.objects.filter(pk__in=pks).values_list(
            "statement", flat=True
        )
        failing = any("search_bigrams" in s for s in statements)
        run_steps(alias, pks)  # made, then reported failed: the schema stays whole
        if failing:
            raise RuntimeError("out of memory")

    monkeypatch.setattr(bulkload, "run_steps", failing_run_steps)
    before = (indexes(), foreign_keys())
    path = write_csv(tmp_path / "a.csv", [household(f"01000003{n:02d}") for n in range(30)])
    with pytest.raises(RuntimeError, match="out of memory"):
        customers_import(path=path, acting_user=officer, batch_size=10)
    assert (indexes(), foreign_keys()) == before
    assert not PendingSchemaStep.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_what_a_killed_first_load_dropped_is_made_by_the_next_import(
    regions: Regions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed during a first load never reaches its ``finally``: the steps
    written with the drops stay, and the next import runs them first."""
    officer: User = make_user("officer", Role.ARCHIVE_OFFICER)
    before = (indexes(), foreign_keys())
    remake = bulkload.pending_schema_remake
    try:
        monkeypatch.setattr(bulkload, "pending_schema_remake", lambda *, using: None)
        path = write_csv(tmp_path / "a.csv", [household(f"01000004{n:02d}") for n in range(20)])
        assert customers_import(path=path, acting_user=officer, batch_size=10).created == 20
        assert not GIN & set(indexes())
        assert not foreign_keys()
        assert PendingSchemaStep.objects.count() == len(GIN) + 2 * len(before[1])

        monkeypatch.setattr(bulkload, "pending_schema_remake", remake)
        path = write_csv(tmp_path / "b.csv", [household("0100000499")])
        assert customers_import(path=path, acting_user=officer).created == 1
        assert (indexes(), foreign_keys()) == before
        assert not PendingSchemaStep.objects.exists()
        assert Customer.objects.filter(address__contains="桃北西街").count() == 21
    finally:
        remake(using="default")  # the schema whole for the tests after, whatever happened
