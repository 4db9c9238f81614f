"""Imports are validated, idempotent, and never change the lake when the input is bad."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.uploads import UploadRefused
from gridcrm.lake import catalog
from gridcrm.lake.errors import ImportFailed
from gridcrm.lake.imports import import_file
from gridcrm.lake.models import LakeImport
from gridcrm.lake.services import lake_compact, lake_import_create, lake_import_run
from gridcrm.users.models import User
from tests.lake.conftest import write_csv

READINGS_HEADER = "account_no,meter_no,ts,kwh,kw,power_factor"
KNOWN = ["0100000001", "0200000001"]


def readings_csv(path: Path, *rows: str) -> Path:
    return write_csv(path, READINGS_HEADER, *rows)


def good_readings(path: Path) -> Path:
    return readings_csv(
        path,
        "0100000001,M1,2024-03-01 00:00,0.50,2.1,0.95",
        "0100000001,M1,2024-03-01 00:15,0.60,,",
        "0200000001,M9,2024-03-31 23:45,120.0,480,0.92",
        "0200000001,M9,2024-04-01 00:00,118.5,470,0.91",
    )


def lake_fingerprint(root: Path) -> dict[str, str]:
    """Every file under the lake's tables with a digest of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.glob("*/month=*/*.parquet"))
    }


def lake_rows(table: str) -> list[dict[str, object]]:
    files = catalog.partition_files(table)
    if not files:
        return []
    rows: list[dict[str, object]] = pa.concat_tables([pq.read_table(f) for f in files]).to_pylist()
    return rows


def test_it_imports_readings_into_month_partitions_sorted_and_in_utc(
    lake: Path, tmp_path: Path
) -> None:
    report = import_file(
        table="readings", path=good_readings(tmp_path / "r.csv"), known_accounts=KNOWN
    )

    assert (report.rows_read, report.accepted, report.rejected) == (4, 4, 0)
    assert report.months == ["2024-03", "2024-04"]
    assert report.reject_file == ""
    march = catalog.partition_files("readings", ["2024-03"])
    assert len(march) == 1
    table = pq.read_table(march[0])
    assert table.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    first = table.to_pylist()[0]
    # 00:00 local time in Shanghai is 16:00 UTC the day before.
    assert first["ts"].isoformat() == "2024-02-29T16:00:00+00:00"
    assert first["kw"] == 2.1
    assert table.to_pylist()[1]["kw"] is None
    # The local month decides the partition: 2024-03-31 23:45 local is in March.
    assert [r["account_no"] for r in table.to_pylist()] == [
        "0100000001",
        "0100000001",
        "0200000001",
    ]


def test_it_changes_nothing_when_the_same_file_is_imported_again(
    lake: Path, tmp_path: Path
) -> None:
    path = good_readings(tmp_path / "r.csv")
    import_file(table="readings", path=path, known_accounts=KNOWN)
    before = lake_fingerprint(lake)

    again = import_file(table="readings", path=path, known_accounts=KNOWN)

    assert (again.accepted, again.already_present, again.rejected) == (0, 4, 0)
    assert lake_fingerprint(lake) == before


def test_it_adds_only_the_new_intervals_of_an_overlapping_period(
    lake: Path, tmp_path: Path
) -> None:
    import_file(table="readings", path=good_readings(tmp_path / "r.csv"), known_accounts=KNOWN)
    overlapping = readings_csv(
        tmp_path / "r2.csv",
        "0200000001,M9,2024-04-01 00:00,118.5,470,0.91",
        "0200000001,M9,2024-04-01 00:15,117.0,468,0.91",
    )

    report = import_file(table="readings", path=overlapping, known_accounts=KNOWN)

    assert (report.accepted, report.already_present) == (1, 1)
    assert len(lake_rows("readings")) == 5


def test_it_rejects_a_fact_that_contradicts_the_lake_and_keeps_the_old_one(
    lake: Path, tmp_path: Path
) -> None:
    import_file(table="readings", path=good_readings(tmp_path / "r.csv"), known_accounts=KNOWN)
    before = lake_fingerprint(lake)
    changed = readings_csv(tmp_path / "r2.csv", "0100000001,M1,2024-03-01 00:00,9.99,,")

    report = import_file(table="readings", path=changed, known_accounts=KNOWN)

    assert report.accepted == 0
    assert report.reasons == {
        "conflicts with a fact already in the lake (facts are append-only)": 1
    }
    assert lake_fingerprint(lake) == before


def test_it_rejects_readings_of_unknown_customers_with_the_reason(
    lake: Path, tmp_path: Path
) -> None:
    path = readings_csv(
        tmp_path / "r.csv",
        "0100000001,M1,2024-03-01 00:00,0.50,,",
        "0999999999,M7,2024-03-01 00:00,0.50,,",
    )

    report = import_file(table="readings", path=path, known_accounts=KNOWN)

    assert (report.accepted, report.rejected) == (1, 1)
    assert report.reasons == {"unknown customer": 1}
    rejects = Path(report.reject_file).read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "source_row,account_no,meter_no,ts,kwh,kw,power_factor,reason"
    assert rejects[1].startswith("2,0999999999,M7,")
    assert rejects[1].endswith(",unknown customer")
    assert [r["account_no"] for r in lake_rows("readings")] == ["0100000001"]


def test_it_rejects_every_copy_of_a_duplicated_interval_with_different_values(
    lake: Path, tmp_path: Path
) -> None:
    path = readings_csv(
        tmp_path / "r.csv",
        "0100000001,M1,2024-03-01 00:00,0.50,,",
        "0100000001,M1,2024-03-01 00:00,0.70,,",
        "0100000001,M1,2024-03-01 00:15,0.60,,",
        "0100000001,M1,2024-03-01 00:15,0.60,,",
    )

    report = import_file(table="readings", path=path, known_accounts=KNOWN)

    assert report.reasons == {"duplicate key with different values in this file": 2}
    # Exact copies collapse to one fact, counted, not rejected.
    assert (report.accepted, report.duplicates, report.rejected) == (1, 1, 2)
    assert report.rows_read == report.accepted + report.duplicates + report.rejected


def test_it_rejects_timestamps_off_the_15_minute_grid(lake: Path, tmp_path: Path) -> None:
    path = readings_csv(
        tmp_path / "r.csv",
        "0100000001,M1,2024-03-01 00:07,0.50,,",
        "0100000001,M1,2024-03-01 00:15:30,0.50,,",
        "0100000001,M1,2024-03-01T00:30:00+08:00,0.50,,",
    )

    report = import_file(table="readings", path=path, known_accounts=KNOWN)

    assert report.reasons == {"ts is not on the 15-minute grid": 2}
    assert report.accepted == 1


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("0100000001,M1,2024-03-01 00:00,abc,,", "kwh is not a valid number"),
        ("0100000001,M1,2024-03-01 00:00,-1,,", "kwh is below 0"),
        ("0100000001,M1,2024-03-01 00:00,1,,1.7", "power_factor is above 1"),
        ("0100000001,M1,not-a-time,1,,", "ts is not a valid date and time"),
        ("0100000001,,2024-03-01 00:00,1,,", "meter_no is missing"),
        ("01000001,M1,2024-03-01 00:00,1,,", "account_no is not a ten-digit account number"),
    ],
)
def test_it_says_why_a_reading_is_refused(
    lake: Path, tmp_path: Path, row: str, reason: str
) -> None:
    report = import_file(
        table="readings", path=readings_csv(tmp_path / "r.csv", row), known_accounts=KNOWN
    )

    assert reason in next(iter(report.reasons))
    assert report.accepted == 0
    assert lake_rows("readings") == []


def test_it_refuses_a_csv_with_wrong_columns_and_names_them(lake: Path, tmp_path: Path) -> None:
    import_file(table="readings", path=good_readings(tmp_path / "ok.csv"), known_accounts=KNOWN)
    before = lake_fingerprint(lake)
    path = write_csv(
        tmp_path / "bad.csv", "account,meter_no,ts,energy", "0100000001,M1,2024-03-01 00:00,1"
    )

    with pytest.raises(ImportFailed) as failure:
        import_file(table="readings", path=path, known_accounts=KNOWN)

    assert failure.value.code == "lake.wrong_columns"
    message = str(failure.value)
    assert "missing columns: account_no, kwh" in message
    assert "unexpected columns: account, energy" in message
    assert lake_fingerprint(lake) == before


def test_it_refuses_a_corrupt_parquet_file_and_leaves_the_lake_alone(
    lake: Path, tmp_path: Path
) -> None:
    import_file(table="readings", path=good_readings(tmp_path / "ok.csv"), known_accounts=KNOWN)
    before = lake_fingerprint(lake)
    good = tmp_path / "good.parquet"
    pq.write_table(
        pa.table(
            {
                "account_no": ["0100000001"],
                "meter_no": ["M1"],
                "ts": ["2024-05-01 00:00"],
                "kwh": [1.0],
            }
        ),
        good,
    )
    corrupt = tmp_path / "corrupt.parquet"
    data = good.read_bytes()
    corrupt.write_bytes(data[: len(data) // 2] + b"\x00" * 64 + data[-8:])

    with pytest.raises(UploadRefused) as failure:
        import_file(table="readings", path=corrupt, known_accounts=KNOWN)

    assert failure.value.code == "core.upload_corrupt"
    assert "corrupt.parquet" in str(failure.value)
    assert str(tmp_path) not in str(failure.value)
    assert lake_fingerprint(lake) == before
    assert not list((lake / "_staging").glob("*")) if (lake / "_staging").exists() else True


def test_it_refuses_a_file_named_parquet_that_is_not(lake: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_text("account_no,meter_no\n")

    with pytest.raises(UploadRefused) as failure:
        import_file(table="readings", path=path, known_accounts=KNOWN)
    assert failure.value.code == "core.upload_type_mismatch"


def test_it_imports_a_typed_parquet_file(lake: Path, tmp_path: Path) -> None:
    path = tmp_path / "bills.parquet"
    pq.write_table(
        pa.table(
            {
                "bill_id": ["B1", "B2"],
                "account_no": ["0100000001", "0100000001"],
                "period": pa.array([19783, 19814], pa.date32()),  # 2024-03-01, 2024-04-01
                "tariff": ["residential", "residential"],
                "kwh_sharp": [0.0, 0.0],
                "kwh_peak": [80.0, 70.0],
                "kwh_flat": [60.0, 50.0],
                "kwh_valley": [40.0, 45.0],
                "amount": [91.35, 86.27],
                "due_on": pa.array([19783 + 25, 19814 + 25], pa.date32()),
            }
        ),
        path,
    )

    report = import_file(table="bills", path=path, known_accounts=KNOWN)

    assert (report.accepted, report.months) == (2, ["2024-03", "2024-04"])
    assert (
        str(pq.read_table(catalog.partition_files("bills")[0]).schema.field("amount").type)
        == "decimal128(12, 2)"
    )


def test_it_rejects_payments_of_bills_the_lake_does_not_have(lake: Path, tmp_path: Path) -> None:
    write_csv(
        tmp_path / "bills.csv",
        "bill_id,account_no,period,tariff,kwh_sharp,kwh_peak,kwh_flat,kwh_valley,amount,due_on",
        "B1,0100000001,2024-03,residential,0,80,60,40,91.35,2024-04-25",
    )
    import_file(table="bills", path=tmp_path / "bills.csv", known_accounts=KNOWN)
    path = write_csv(
        tmp_path / "payments.csv",
        "payment_id,bill_id,account_no,paid_on,amount,channel",
        "P1,B1,0100000001,2024-04-20,91.35,wechat",
        "P2,B9,0100000001,2024-04-20,10.00,app",
        "P3,B1,0200000001,2024-04-20,10.00,app",
        "P4,B1,0100000001,2024-04-21,10.00,cheque",
    )

    report = import_file(table="payments", path=path, known_accounts=KNOWN)

    assert report.accepted == 1
    assert report.reasons == {
        "unknown bill (import the bills first)": 1,
        "the bill belongs to another customer": 1,
        "channel is not one of: counter, bank_deduction, app, wechat, alipay, prepaid": 1,
    }


def test_it_rejects_a_bill_whose_period_is_not_a_month_start(lake: Path, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bills.csv",
        "bill_id,account_no,period,tariff,kwh_sharp,kwh_peak,kwh_flat,kwh_valley,amount,due_on",
        "B1,0100000001,2024-03-15,residential,0,80,60,40,91.35,2024-04-25",
        "B2,0100000001,2024-04,residential,0,80,60,40,91.35,2024-03-25",
    )

    report = import_file(table="bills", path=path, known_accounts=KNOWN)

    assert report.reasons == {
        "period is not the first day of a month": 1,
        "due_on is before the billed period": 1,
    }


def test_compaction_merges_small_files_without_changing_the_facts(
    lake: Path, tmp_path: Path
) -> None:
    import_file(table="readings", path=good_readings(tmp_path / "a.csv"), known_accounts=KNOWN)
    more = readings_csv(tmp_path / "b.csv", "0100000001,M1,2024-03-01 00:30,0.7,,")
    import_file(table="readings", path=more, known_accounts=KNOWN)
    before = sorted(lake_rows("readings"), key=str)
    assert len(catalog.partition_files("readings", ["2024-03"])) == 2

    assert lake_compact(table="readings") == 1

    assert len(catalog.partition_files("readings", ["2024-03"])) == 1
    assert sorted(lake_rows("readings"), key=str) == before


@pytest.mark.django_db
def test_a_recorded_import_of_the_same_bytes_is_not_read_again(
    lake: Path, tmp_path: Path, customer_a: Customer, customer_b: Customer, agent: User
) -> None:
    content = good_readings(tmp_path / "r.csv").read_bytes()

    def run() -> LakeImport:
        with (tmp_path / "r.csv").open("rb") as handle:
            record = lake_import_create(
                table="readings", source_name="r.csv", content=handle, acting_user=agent
            )
        return lake_import_run(lake_import=record)

    first = run()
    second = run()

    assert (first.status, first.accepted) == (LakeImport.Status.IMPORTED, 4)
    assert (second.status, second.accepted, second.already_present) == (
        LakeImport.Status.UNCHANGED,
        0,
        4,
    )
    assert len(content) > 0


@pytest.mark.django_db
def test_a_failed_import_is_recorded_with_its_message(
    lake: Path, tmp_path: Path, customer_a: Customer, agent: User
) -> None:
    path = write_csv(tmp_path / "bad.csv", "a,b", "1,2")
    with path.open("rb") as handle:
        record = lake_import_create(
            table="readings", source_name="bad.csv", content=handle, acting_user=agent
        )

    lake_import_run(lake_import=record)

    record.refresh_from_db()
    assert record.status == LakeImport.Status.FAILED
    assert "missing columns" in record.error
    assert record.error.startswith("bad.csv does not have the columns of readings")
