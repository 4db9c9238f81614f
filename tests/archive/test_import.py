"""Customer import: mapped through the registry, judged row by row, never losing what is
stored, tier-1 changes as change requests, idempotent, and fast paths that agree with
``FieldSpec.clean``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from gridcrm.archive import registry
from gridcrm.archive.imports import (
    Cleaner,
    Deriver,
    Draft,
    ImportNotPermitted,
    ImportRefused,
    customers_import,
    import_start,
)
from gridcrm.archive.models import ChangeRequest, Customer, FieldChange
from gridcrm.archive.personal import last4_search_hashes
from gridcrm.archive.services import published_rules, refresh_derived, rules_publish
from gridcrm.core.extensions import CUSTOMERS_CHANGED
from gridcrm.jobs.models import Job, JobStatus
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user, resident_id, uscc

HEADER = [
    "account_no",
    "户名",
    "certificate type",
    "certificate_no",
    "phone",
    "address",
    "region",
    "tariff_category",
    "tariff_structure",
    "voltage_level",
    "contracted_kva",
    "billing_method",
    "tou_applied",
    "payment_method",
    "e_bill",
]


def household(account_no: str, name: str = "李秀英", **overrides: str) -> dict[str, str]:
    row = {
        "account_no": account_no,
        "户名": name,
        "certificate type": "resident_id",
        "certificate_no": resident_id(int(account_no[-3:])),
        "phone": "13912345678",
        "address": f"山西省阳泉市城区桃北西街{account_no[-3:]}号",
        "region": "YQ0101",
        "tariff_category": "residential",
        "tariff_structure": "single_part",
        "voltage_level": "220V",
        "contracted_kva": "8",
        "billing_method": "energy",
        "tou_applied": "0",
        "payment_method": "wechat_alipay",
        "e_bill": "是",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] = HEADER,
    encoding: str = "utf-8-sig",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header])
    return path


def rejects(path: str) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are compared in English (the catalogue's source language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def officer(regions: Regions) -> User:
    return make_user("officer", Role.ARCHIVE_OFFICER)


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Customer.objects.order_by("pk").values_list(
            "account_no", "name", "phone", "address", "payment_method", "e_bill", "version"
        )
    )


def test_it_creates_new_customers_with_derived_values_and_history(
    officer: User, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "new.csv", [household("0100000101"), household("0100000102")])
    report = customers_import(path=path, acting_user=officer)
    assert (report.rows, report.created, report.rejected) == (2, 2, 0)
    customer = Customer.objects.get(account_no="0100000101")
    assert customer.segment == "residential"
    assert customer.phone_last4_hash in last4_search_hashes("5678")
    assert customer.e_bill is True
    assert customer.contracted_kva == Decimal("8")
    assert customer.completeness > 0
    first = FieldChange.objects.get(customer=customer)
    assert (first.field, first.kind, first.acting_user) == ("account_no", "imported", officer)
    assert first.details == {}
    assert first.reason == "import new.csv row 2"


def test_a_bad_import_is_reported_row_by_row_and_loses_nothing(
    officer: User, customer_a: Customer, tmp_path: Path
) -> None:
    before = snapshot()
    rows = [
        household("0100000201", contracted_kva="eight", voltage_level="999V"),  # wrong types
        household("0100000202", phone="", address=""),  # missing tier-1 values
        household("0100000203"),  # fine
        household("0100000203", name="王二"),  # duplicate of the row above
        household("0100000204", name='=HYPERLINK("http://evil.example","点我")'),
        household("0100000205", name="<script>alert(1)</script>"),
        # a known customer: a hostile tier-2 value must not touch it
        household(customer_a.account_no, name=customer_a.name, payment_method="=cmd|' /C calc'!A0"),
    ]
    report = customers_import(path=write_csv(tmp_path / "bad.csv", rows), acting_user=officer)
    assert (report.created, report.rejected) == (2, 5)
    by_row: dict[int, dict[str, str]] = {}
    for error in report.errors:
        by_row.setdefault(error.row, {})[error.column] = error.message
    assert set(by_row[2]) == {"contracted_kva", "voltage_level"}
    assert set(by_row[3]) == {"phone", "address"}
    assert "tier-1" in by_row[3]["phone"]
    assert by_row[5]["account_no"] == "Duplicate of row 4."
    assert "formula" in by_row[6]["户名"]
    assert set(by_row[8]) == {"payment_method"}
    # <script> is valid text: kept as typed, escaped by every page
    assert Customer.objects.get(account_no="0100000205").name == "<script>alert(1)</script>"
    assert not Customer.objects.filter(account_no__in=["0100000201", "0100000204"]).exists()
    # what was stored before is untouched
    assert [row for row in snapshot() if row[0] == customer_a.account_no] == [
        row for row in before if row[0] == customer_a.account_no
    ]
    # the reject file holds the original cells, neutralised, and the reason
    rejected = rejects(report.reject_file)
    assert [r["row"] for r in rejected] == ["2", "3", "5", "6", "8"]
    assert rejected[3]["户名"].startswith("'=HYPERLINK")
    assert "contracted_kva" in rejected[0]["reason"]


def test_the_page_escapes_imported_markup(officer: User, tmp_path: Path, client: Client) -> None:
    path = write_csv(tmp_path / "x.csv", [household("0100000301", name="<script>x()</script>")])
    customers_import(path=path, acting_user=officer)
    client.force_login(officer)
    page = client.get("/customers/0100000301/").content.decode()
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ([*HEADER, "favourite colour"], "favourite colour"),  # unknown
        ([h for h in HEADER if h != "account_no"], "account_no"),  # missing
        ([*HEADER, "户号"], "户号"),  # the account number a second time
    ],
)
def test_a_wrong_header_writes_nothing(
    officer: User, customer_a: Customer, tmp_path: Path, header: list[str], column: str
) -> None:
    before = snapshot()
    path = write_csv(tmp_path / "h.csv", [household("0100000401")], header=header)
    with pytest.raises(ImportRefused) as refused:
        customers_import(path=path, acting_user=officer)
    assert refused.value.code == "archive.import_header"
    assert list(refused.value.fields) == [column]
    assert snapshot() == before
    assert FieldChange.objects.count() == 1  # customer_a's creation


def test_a_dry_run_reports_without_writing(
    officer: User, customer_a: Customer, tmp_path: Path
) -> None:
    rows = [
        household("0100000501"),
        household(customer_a.account_no, name="王建军", payment_method="bank_deduction"),
        household("0100000502", contracted_kva="x"),
    ]
    before = snapshot()
    report = customers_import(
        path=write_csv(tmp_path / "d.csv", rows), acting_user=officer, dry_run=True
    )
    assert (report.created, report.updated, report.change_requests, report.rejected) == (
        1,
        1,
        3,  # name, and the fixture's phone and address differ from the file's
        1,
    )
    assert report.dry_run
    assert snapshot() == before
    assert not ChangeRequest.objects.exists()
    assert FieldChange.objects.count() == 1


def test_reimporting_the_same_file_changes_nothing(
    officer: User, customer_a: Customer, tmp_path: Path
) -> None:
    rows = [
        household("0100000601"),
        household(
            customer_a.account_no, name="王建军", payment_method="bank_deduction", e_bill="否"
        ),
    ]
    path = write_csv(tmp_path / "same.csv", rows)
    first = customers_import(path=path, acting_user=officer)
    assert (first.created, first.updated) == (1, 1)
    state = (snapshot(), FieldChange.objects.count(), ChangeRequest.objects.count())
    second = customers_import(path=path, acting_user=officer)
    assert (second.created, second.updated, second.change_requests) == (0, 0, 0)
    assert second.unchanged == 2
    assert (snapshot(), FieldChange.objects.count(), ChangeRequest.objects.count()) == state


def test_a_tier1_change_by_import_becomes_a_change_request(
    officer: User, customer_a: Customer, tmp_path: Path
) -> None:
    row = household(
        customer_a.account_no,
        name="王建军",
        phone=customer_a.phone,
        address=customer_a.address,
        certificate_no=customer_a.certificate_no,
        payment_method="bank_deduction",
    )
    report = customers_import(path=write_csv(tmp_path / "t1.csv", [row]), acting_user=officer)
    customer_a.refresh_from_db()
    assert customer_a.name == "王建国"  # never silently overwritten
    assert customer_a.payment_method == "bank_deduction"  # tier 2 goes straight in
    request = ChangeRequest.objects.get()
    assert (request.field, request.old_value, request.new_value) == ("name", "王建国", "王建军")
    assert (request.status, request.requested_by) == ("pending", officer)
    assert request.reason == "import t1.csv row 2"
    assert report.change_requests == 1
    change = FieldChange.objects.get(field="payment_method")
    assert (change.kind, change.acting_user) == ("imported", officer)
    assert change.new_value == "bank_deduction"


def test_blank_cells_never_clear_stored_values(
    officer: User, customer_a: Customer, tmp_path: Path
) -> None:
    Customer.objects.filter(pk=customer_a.pk).update(payment_method="counter")
    path = write_csv(
        tmp_path / "b.csv",
        [{"account_no": customer_a.account_no, "payment_method": ""}],
        header=["account_no", "payment_method"],
    )
    report = customers_import(path=path, acting_user=officer)
    assert report.unchanged == 1
    assert Customer.objects.get(pk=customer_a.pk).payment_method == "counter"


def test_it_reads_gb18030(officer: User, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gbk.csv", [household("0100000701", name="赵钱孙")], encoding="gb18030"
    )
    report = customers_import(path=path, acting_user=officer)
    assert report.created == 1
    assert Customer.objects.get(account_no="0100000701").name == "赵钱孙"


def test_it_reads_xlsx_and_refuses_formulas_in_it(officer: User, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    good = household("0100000801")
    sheet.append([int(good[h]) if h == "contracted_kva" else good[h] for h in HEADER])
    bad = household("0100000802")
    bad["户名"] = '=HYPERLINK("http://evil.example","x")'
    sheet.append([bad[h] for h in HEADER])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    report = customers_import(path=path, acting_user=officer)
    assert (report.created, report.rejected) == (1, 1)
    assert Customer.objects.get(account_no="0100000801").contracted_kva == Decimal("8")
    assert report.errors[0].row == 3


def test_a_file_in_another_encoding_is_refused(officer: User, tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("户号,户名\n0100000901,王\n".encode("utf-16"))
    with pytest.raises(ImportRefused) as refused:
        customers_import(path=path, acting_user=officer)
    assert refused.value.code == "archive.import_encoding"
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("name", "raws"),
    [
        (
            "account_no",
            ["0100000001", " 0100000001 ", "010000000", "01000000011", "abcdefghij", ""],
        ),
        ("name", ["王建国", "  王 建国 ", "x" * 201, "a\x00b", "", "<b>x</b>"]),
        ("phone", ["13834567890", "0353-6123456", "03536123456", "1383456789", "12345678901"]),
        ("certificate_no", [resident_id(1), uscc(2), resident_id(1)[:-1] + "0", "X" * 18]),
        ("contracted_kva", ["8", "8.04", "8.05", "-1", "1e3", "eight", "123456789012", " 7 "]),
        ("tariff_category", ["residential", "Residential", "居民", "", "large_industry"]),
        ("voltage_level", ["220V", "10kV", "10 kV", "999V"]),
        ("tou_applied", ["1", "0", "是", "否", "yes", "maybe", "TRUE"]),
        ("e_bill", ["有", "无", "n", "2"]),
        ("employees", ["12", "-3", "1.5", "x", "0"]),
        ("industry_code", ["C3110", "c3110", "Z9999", "C31"]),
        ("region", ["YQ0101", "北大街供电所", "YQ9999", "", "YQ02"]),
        ("transformer_area", ["台区1", "=1+1", "+86", "-", "@x", "x" * 51]),
    ],
)
def test_the_fast_cleaners_agree_with_the_registry(
    regions: Regions, name: str, raws: list[str]
) -> None:
    field_spec = registry.spec(name)
    cleaner = Cleaner(field_spec)
    for raw in raws * 2:  # twice: the second time from the memo
        try:
            expected: Any = ("ok", field_spec.clean(raw))
        except ValidationError as exc:
            expected = ("error", exc.messages)
        try:
            got: Any = ("ok", cleaner(raw))
        except ValidationError as exc:
            got = ("error", exc.messages)
        if cleaner.text and raw.strip()[:1] in "=+-@" and raw.strip():
            assert got[0] == "error"
            assert "formula" in got[1][0]
        else:
            assert got == expected, raw


def test_the_memoised_derivations_agree_with_refresh_derived(
    archivist: User, regions: Regions
) -> None:
    rules_publish(
        rules=[
            {
                "code": "utility_outage",
                "conditions": [{"field": "industry_code", "op": "startswith", "value": "D,N,Q"}],
                "target": "outage_sensitivity",
                "value": "1.8",
            },
            {
                "code": "big_price",
                "conditions": [{"field": "contracted_kva", "op": "gte", "value": "1000"}],
                "target": "price_sensitivity",
                "value": "1.5",
            },
        ],
        note="test",
        acting_user=make_user("manager", Role.MARKETING_MANAGER),
    )
    from gridcrm.archive.rules import published_version

    version = published_version()
    assert version is not None
    rules = list(version.rules.select_related("version"))
    specs = registry.all_specs()
    deriver = Deriver(specs, rules)
    samples: list[dict[str, Any]] = [
        {"tariff_category": "residential", "phone": "13834567890", "contracted_kva": Decimal(8)},
        {
            "tariff_category": "general_ci",
            "industry_code": "Q8411",
            "contracted_kva": Decimal(2000),
        },
        {"tariff_category": "large_industry", "industry_code": "C3110", "meter_kind": "ct"},
        {"tariff_category": "agriculture", "phone": "", "employees": 3, "address": "桃北西街"},
        {"tariff_category": "general_ci", "industry_code": "D4430", "contracted_kva": Decimal(50)},
    ]
    for values in samples * 2:
        base = {"account_no": "0100000001", "name": "x", "region_id": regions.station_a1.pk}
        reference = Customer(**base, **values)
        refresh_derived(reference, specs, rules)
        defaults = {f.attname: f.get_default() for f in Customer._meta.concrete_fields}
        draft = Draft({**defaults, "extra": {}, **base, **values})
        deriver.derive(draft, frozenset(["account_no", "name", "region", *values]))
        for attr in (
            "phone_hash",
            "phone_alt_hash",
            "phone_last4_hash",
            "certificate_hash",
            "search_bigrams",
            "segment",
            "completeness",
            "rules_fired",
            "price_sensitivity",
            "outage_sensitivity",
            "service_sensitivity",
            "credit_attention",
        ):
            assert getattr(draft, attr) == getattr(reference, attr), (attr, values)


def test_new_rows_derived_together_get_what_each_would_get_alone(
    officer: User, regions: Regions, tmp_path: Path
) -> None:
    """An import derives rows alike once (``_Import.plan_new``); every customer it makes
    must hold what ``refresh_derived`` makes of it alone, rules fired included."""
    from gridcrm.demo.enrich import DEMO_RULES

    rules_publish(
        rules=DEMO_RULES, note="demo", acting_user=make_user("manager", Role.MARKETING_MANAGER)
    )
    header = [*HEADER, "industry_code", "importance_class", "production_shifts", "deposit_yuan"]
    industries = ["C3110", "Q8411", "D4430", "F5211", "M7320"]
    rows = []
    for n in range(80):
        account = f"0100{n:06d}"
        if n % 3 == 0:
            rows.append(household(account, contracted_kva=str(4 + n % 5)))
            continue
        rows.append(
            household(
                account,
                name=f"阳泉{n}号公司",
                **{
                    "certificate type": "uscc",
                    "certificate_no": uscc(n),
                    "tariff_category": ["general_ci", "large_industry"][n % 2],
                    "tariff_structure": ["single_part", "two_part"][n % 2],
                    "voltage_level": "10kV",
                    "contracted_kva": ["315", "999.99", "1000", "2500"][n % 4],
                    "industry_code": industries[n % 5],
                    "importance_class": ["", "none", "class_1", "special"][n % 4],
                    "production_shifts": ["", "one", "three", "continuous"][(n // 4) % 4],
                    "deposit_yuan": ["", "5000"][(n // 2) % 2],
                },
            )
        )
    report = customers_import(
        path=write_csv(tmp_path / "mixed.csv", rows, header=header),
        acting_user=officer,
        batch_size=30,
    )
    assert (report.created, report.rejected) == (80, 0), report.errors
    specs = registry.all_specs()
    rules = published_rules()
    fired: set[str] = set()
    for customer in Customer.objects.all():
        stored = (customer.rules_fired, customer.completeness)
        assert refresh_derived(customer, specs, rules) == {}, customer.account_no
        assert (customer.rules_fired, customer.completeness) == stored, customer.account_no
        fired.update(rule["code"] for rule in customer.rules_fired)
    # The rows reach most rules, so a wrong grouping would show.
    assert {"important_outage", "continuous_outage", "no_deposit_watch"} <= fired, fired


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_an_upload_runs_as_a_job_with_a_report_and_a_reject_file(
    officer: User, tmp_path: Path, client: Client
) -> None:
    path = write_csv(
        tmp_path / "up.csv", [household("0100001001"), household("0100001002", phone="1")]
    )
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    with path.open("rb") as handle:
        response = client.post("/customers/import/", {"file": handle})
    job = Job.objects.get()
    assert response.status_code == 302
    _run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert "1 created" in job.message
    assert "1 rejected" in job.message
    assert Customer.objects.filter(account_no="0100001001").exists()
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    page = client.get(f"/customers/import/{job.pk}/").content.decode()
    assert "phone" in page


@pytest.mark.django_db(transaction=True)
def test_an_api_dry_run_writes_nothing(officer: User, tmp_path: Path, client: Client) -> None:
    path = write_csv(tmp_path / "api.csv", [household("0100001101")])
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    with path.open("rb") as handle:
        response = client.post("/api/customers/import", {"file": handle, "dry_run": "true"})
    assert response.status_code == 200, response.content
    job = Job.objects.get(pk=response.json()["job_id"])
    _run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert "1 created" in job.message
    assert not Customer.objects.exists()


def test_only_importers_may_import(
    agent: User, outsider: User, tmp_path: Path, client: Client
) -> None:
    path = write_csv(tmp_path / "no.csv", [household("0100001201")])
    for user in (agent, outsider):
        client.force_login(user)
        with path.open("rb") as handle:
            assert client.post("/customers/import/", {"file": handle}).status_code == 403
        with path.open("rb") as handle:
            assert client.post("/api/customers/import", {"file": handle}).status_code == 403
    client.logout()
    assert client.get("/customers/import/").status_code == 302
    assert not Job.objects.exists()


def test_an_upload_that_is_not_a_table_is_refused_with_a_code(
    officer: User, client: Client
) -> None:
    client.force_login(officer)
    page = client.post("/customers/import/", {"file": SimpleUploadedFile("notes.pdf", b"%PDF-1.4")})
    assert page.status_code == 200  # the form again, with the refusal as a message
    api = client.post("/api/customers/import", {"file": SimpleUploadedFile("notes.pdf", b"%")})
    assert (api.status_code, api.json()["code"]) == (422, "archive.import_file_type")
    assert not Job.objects.exists()


def test_a_role_that_may_not_import_is_refused_with_a_code(agent: User, tmp_path: Path) -> None:
    upload = SimpleUploadedFile("up.csv", b"account_no\n0100001301\n")
    with pytest.raises(ImportNotPermitted) as refused:
        import_start(upload=upload, acting_user=agent, dry_run=True)
    assert refused.value.code == "archive.import_not_permitted"
    assert not Job.objects.exists()


def test_the_followers_of_customer_changes_hear_of_what_an_import_changed(
    officer: User, customer_a: Customer, tmp_path: Path
) -> None:
    told: list[tuple[list[int], frozenset[str]]] = []
    CUSTOMERS_CHANGED.register("test", lambda ids, fields: told.append((list(ids), fields)))
    try:
        new_and_known = [
            household("0100001401"),
            {"account_no": customer_a.account_no, "payment_method": "bank_deduction"},
        ]
        path = write_csv(tmp_path / "f.csv", new_and_known)
        customers_import(path=path, acting_user=officer, dry_run=True)
        assert told == []  # a dry run changes nothing
        report = customers_import(path=path, acting_user=officer)
    finally:
        CUSTOMERS_CHANGED.unregister("test")
    assert report.updated == 1
    [(ids, fields)] = told  # the new customer is no change of a known one
    assert ids == [customer_a.pk]
    assert "payment_method" in fields
