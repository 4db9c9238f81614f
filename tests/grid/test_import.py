"""The registry import: a good export builds the registry and derives the archive's
equipment fields; importing it again changes nothing; a dry run writes nothing; every
topology error is rejected with its reason and nothing of it is written."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from gridcrm.archive.models import Customer
from gridcrm.core.errors import Refused
from gridcrm.grid.imports import ImportReport, registry_import
from gridcrm.grid.imports.rows import COLUMNS
from gridcrm.grid.models import (
    EmergencyPower,
    Feeder,
    Meter,
    MeteringPoint,
    Substation,
    SupplySource,
    Transformer,
)
from gridcrm.users.models import User
from tests.conftest import Regions


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def good_rows(customer_a: Customer, customer_b: Customer) -> list[dict[str, str]]:
    return [
        # Out of order on purpose: the import checks and writes kind by kind.
        {"record": "transformer", "code": "T1", "feeder": "F1", "ownership": "public",
         "kva": "400"},
        {"record": "substation", "code": "S1", "name": "桃林变", "region": "YQ01"},
        {"record": "substation", "code": "S2", "name": "秀水变", "region": "YQ02"},
        {"record": "feeder", "code": "F1B", "name": "桃林支线", "substation": "S1", "parent": "F1"},
        {"record": "feeder", "code": "F1", "name": "桃林线", "substation": "S1"},
        {"record": "feeder", "code": "F2", "name": "秀水线", "substation": "S2"},
        {"record": "transformer", "code": "T2", "feeder": "F2", "ownership": "dedicated",
         "kva": "1250", "type": "dry", "year": "2015", "last_test": "2025-04-01"},
        {"record": "meter", "code": "MP1", "transformer": "T1", "account_no": customer_a.account_no,
         "serial": "3300001", "type": "smart_1p", "verification_due": "2030-01-01"},
        {"record": "meter", "code": "MP2", "transformer": "T2", "account_no": customer_b.account_no,
         "serial": "3300002", "type": "ct", "ct_ratio": "200/5", "pt_ratio": "10000/100",
         "accuracy_class": "0.5S"},
        {"record": "emergency", "code": "EP1", "account_no": customer_b.account_no,
         "type": "generator", "kw": "500", "start_seconds": "15"},
    ]  # fmt: skip


def run(path: Path, user: User, *, dry_run: bool = False) -> ImportReport:
    return registry_import(
        path=path, acting_user=user, dry_run=dry_run, reject_path=path.with_suffix(".rej.csv")
    )


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            Substation,
            Feeder,
            Transformer,
            MeteringPoint,
            Meter,
            SupplySource,
            EmergencyPower,
        )
    )


def test_a_good_export_builds_the_registry_and_derives_the_equipment_fields(
    tmp_path: Path, archivist: User, customer_a: Customer, customer_b: Customer
) -> None:
    path = write_csv(tmp_path / "gis.csv", good_rows(customer_a, customer_b))
    report = run(path, archivist)
    assert report.rejects == []
    assert counts() == (2, 3, 2, 2, 2, 2, 1)
    assert Feeder.objects.get(code="F1B").parent == Feeder.objects.get(code="F1")
    steel = Customer.objects.get(pk=customer_b.pk)
    assert (steel.meter_kind, steel.meter_count) == ("ct", 1)
    assert steel.transformer_count == 1
    assert (steel.transformer_kva, steel.backup_power_kw) == (Decimal(1250), Decimal(500))
    home = Customer.objects.get(pk=customer_a.pk)
    assert (home.meter_kind, home.transformer_count, home.backup_power_kw) == ("smart_1p", 0, None)
    again = run(path, archivist)
    assert (again.created, again.updated, again.unchanged) == ({}, {}, 10)
    assert counts() == (2, 3, 2, 2, 2, 2, 1)


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(
    tmp_path: Path, archivist: User, customer_a: Customer, customer_b: Customer
) -> None:
    path = write_csv(tmp_path / "gis.csv", good_rows(customer_a, customer_b))
    report = run(path, archivist, dry_run=True)
    assert report.created["feeder"] == 3
    assert counts() == (0, 0, 0, 0, 0, 0, 0)
    assert Customer.objects.get(pk=customer_b.pk).meter_kind == ""


def test_topology_errors_are_each_rejected_with_a_reason_and_nothing_written(
    tmp_path: Path, archivist: User, customer_a: Customer, customer_b: Customer
) -> None:
    run(write_csv(tmp_path / "base.csv", good_rows(customer_a, customer_b)), archivist)
    before = counts()
    bad = [
        # a transformer on an unknown feeder
        {"record": "transformer", "code": "TX", "feeder": "NOWHERE", "ownership": "public",
         "kva": "100"},
        # one meter on two customers (and already stored on customer_a)
        {"record": "meter", "code": "MPY", "transformer": "T2", "account_no": customer_b.account_no,
         "serial": "3300001", "type": "smart_1p"},
        # a household of station A1 fed by a line of substation S2 (district B)
        {"record": "meter", "code": "MPX", "transformer": "T2", "account_no": customer_a.account_no,
         "serial": "9900001", "type": "smart_1p"},
        {"record": "source", "account_no": customer_a.account_no, "feeder": "F2"},
        # a cycle of trunk lines: F8 → F9 → F8, and a branch hanging on the cycle
        {"record": "feeder", "code": "F8", "name": "环一", "substation": "S1", "parent": "F9"},
        {"record": "feeder", "code": "F9", "name": "环二", "substation": "S1", "parent": "F8"},
        {"record": "feeder", "code": "F10", "name": "支", "substation": "S1", "parent": "F8"},
        # and a transformer on a line of the cycle
        {"record": "transformer", "code": "TY", "feeder": "F9", "ownership": "public",
         "kva": "100"},
        # a trunk line on another substation
        {"record": "feeder", "code": "F11", "name": "跨站", "substation": "S2", "parent": "F1"},
    ]  # fmt: skip
    path = write_csv(tmp_path / "bad.csv", bad)
    report = run(path, archivist)
    problems = {r.row: r.problem for r in report.rejects}
    assert problems == {
        2: "unknown_feeder",
        3: "meter_two_customers",
        4: "other_station",
        5: "other_station",
        6: "cycle",
        7: "cycle",
        8: "unknown_trunk",  # its trunk F8 is refused
        9: "unknown_feeder",  # its line F9 is refused
        10: "trunk_other_substation",
    }
    assert all(r.reason for r in report.rejects)
    assert counts() == before
    assert Meter.objects.get(serial="3300001").point.customer_id == customer_a.pk
    with Path(report.reject_file).open(encoding="utf-8-sig") as handle:
        rejected = list(csv.DictReader(handle))
    assert [r["code"] for r in rejected][:2] == ["TX", "MPY"]
    assert [r["problem"] for r in rejected] == list(problems.values())


def test_rows_with_bad_values_are_rejected_and_the_rest_written(
    tmp_path: Path, archivist: User, customer_a: Customer, customer_b: Customer
) -> None:
    rows = [
        *good_rows(customer_a, customer_b),
        {"record": "transformer", "code": "T3", "feeder": "F1", "ownership": "x", "kva": "-1"},
        {"record": "pole", "code": "P1"},
        {
            "record": "emergency",
            "code": "EP2",
            "account_no": "0999999999",
            "type": "ups",
            "kw": "5",
        },
        {"record": "substation", "code": "=1+1", "name": "x", "region": "YQ01"},
    ]
    report = run(write_csv(tmp_path / "mixed.csv", rows), archivist)
    assert [(r.row, r.problem) for r in report.rejects] == [
        (12, "bad_value"),
        (13, "unknown_record"),
        (14, "unknown_customer"),
        (15, "bad_value"),
    ]
    assert Transformer.objects.count() == 2


def test_only_the_archive_officer_imports(
    tmp_path: Path, manager: User, customer_a: Customer, customer_b: Customer, regions: Regions
) -> None:
    path = write_csv(tmp_path / "gis.csv", good_rows(customer_a, customer_b))
    with pytest.raises(Refused) as refused:
        run(path, manager)
    assert refused.value.code == "grid.may_not_edit"
    assert counts() == (0, 0, 0, 0, 0, 0, 0)
