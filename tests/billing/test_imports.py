"""Bad payments in a lake import are reported with their reason in the reject file and
change nothing else; reversals and advance payments that hold go in."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq

from gridcrm.lake import catalog
from gridcrm.lake.imports import import_file

KNOWN = ["0300000001", "0400000001"]
HEADER = "payment_id,bill_id,account_no,paid_on,amount,channel,kind,reverses"


def _csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _payments_in_lake() -> dict[str, dict[str, object]]:
    files = catalog.partition_files("payments")
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    return {str(r["payment_id"]): r for r in rows}


def _rejects(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as handle:
        return {row["payment_id"]: row["reason"] for row in csv.DictReader(handle)}


def test_bad_payments_land_in_the_reject_file_and_change_nothing_else(
    accounts_lake: Path, tmp_path: Path
) -> None:
    before = _payments_in_lake()
    path = _csv(
        tmp_path / "payments.csv",
        HEADER,
        "Q1,N202403,0400000001,2024-04-20,400.00,counter,payment,",
        "Q2,X999999,0400000001,2024-04-20,10.00,app,payment,",  # unknown bill
        "Q3,R202402,0300000001,2024-04-20,10.00,app,reversal,NOPE",  # reverses nothing
        "Q4,N202403,0400000001,2024-04-21,-5.00,app,payment,",  # negative
        "Q5,N202403,0400000001,2024-04-22,700.00,app,payment,",  # 400 + 700 > 1,000
        "Q6,N202403,0400000001,2024-04-23,600.00,app,payment,",  # 400 + 600 = 1,000: fits
        "Q7,R202402,0300000001,2024-04-20,250.00,app,payment,",  # 100 in the lake + 250 > 300
        "Q8,R202401,0300000001,2024-04-20,200.00,app,reversal,P1",  # a good reversal
        "Q9,,0400000001,2024-04-20,80.00,wechat,advance,",  # a good advance payment
    )

    report = import_file(table="payments", path=path, known_accounts=KNOWN)

    overpaid = (
        "overpayment: more than the bill's outstanding amount (send the excess as an advance)"
    )
    assert report.accepted == 4
    assert report.reasons == {
        "unknown bill (import the bills first)": 1,
        "reversal of a payment that does not exist": 1,
        "amount is below 0.01": 1,
        overpaid: 2,
    }
    assert _rejects(report.reject_file) == {
        "Q2": "unknown bill (import the bills first)",
        "Q3": "reversal of a payment that does not exist",
        "Q4": "amount is below 0.01",
        "Q5": overpaid,
        "Q7": overpaid,
    }
    after = _payments_in_lake()
    assert set(after) - set(before) == {"Q1", "Q6", "Q8", "Q9"}
    assert all(after[k] == v for k, v in before.items())
    assert after["Q9"]["kind"] == "advance"
    assert after["Q9"]["bill_id"] is None
    assert after["Q8"]["reverses"] == "P1"


def test_a_file_imported_again_changes_nothing(accounts_lake: Path, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "payments.csv",
        HEADER,
        "Q1,N202403,0400000001,2024-04-20,1000.00,counter,payment,",
        "Q2,N202403,0400000001,2024-04-22,1000.00,counter,reversal,Q1",
    )
    first = import_file(table="payments", path=path, known_accounts=KNOWN)
    again = import_file(table="payments", path=path, known_accounts=KNOWN)

    assert (first.accepted, first.rejected) == (2, 0)
    assert (again.accepted, again.already_present, again.rejected) == (0, 2, 0)


def test_a_reversal_must_match_the_payment_and_comes_once(
    accounts_lake: Path, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "payments.csv",
        HEADER,
        "V1,R202402,0300000001,2024-04-20,99.00,app,reversal,P2",  # P2 was 100.00
        "V2,R202401,0300000001,2024-04-20,150.00,app,reversal,P3",  # P3 was on R202403
        "V3,R202403,0300000001,2024-04-20,150.00,app,reversal,P3",  # RV3 took it back
        "V4,R202402,0300000001,2024-04-20,100.00,app,reversal,",  # names nothing
        "V5,R202402,0300000001,2024-04-20,100.00,app,payment,P2",  # only reversals do
        "V6,R202402,0300000001,2024-04-20,100.00,app,reversal,P2",
        "V7,R202402,0300000001,2024-04-21,100.00,app,reversal,P2",  # V6 took it back
    )

    report = import_file(table="payments", path=path, known_accounts=KNOWN)

    assert report.accepted == 1
    assert _rejects(report.reject_file) == {
        "V1": "a reversal takes back the whole payment: the amounts differ",
        "V2": "the reversal names another bill than the payment it takes back",
        "V3": "the payment is already reversed",
        "V4": "reverses is missing: a reversal names the payment it takes back",
        "V5": "only a reversal names a payment in reverses",
        "V7": "the payment is already reversed",
    }


def test_a_file_of_the_old_columns_is_still_payments(accounts_lake: Path, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "payments.csv",
        "payment_id,bill_id,account_no,paid_on,amount,channel",
        "Q1,N202403,0400000001,2024-04-20,1000.00,counter",
    )

    report = import_file(table="payments", path=path, known_accounts=KNOWN)

    assert report.accepted == 1
    assert _payments_in_lake()["Q1"]["kind"] == "payment"
