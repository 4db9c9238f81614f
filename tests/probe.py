"""Run inside an installation that a test started as a separate process
(``python -m tests.probe ACTION …`` with its GRIDCRM_VAR and DATABASE_URL); prints JSON.

- ``seed``: jobs whose files must survive a restore — a customer export, a customer
  import with a rejected row, a lake import with a rejected row; run in this process.
- ``state``: what a user would compare after a restore or a crash.
- ``downloads``: every result and reject file fetched through its page, as its author.
- ``write customers PATH COUNT`` / ``write readings PATH``: an input file.
- ``start KIND [CSV]``: queue a customer import, a lake import or a credit batch.
- ``job ID`` / ``rerun ID``: a job's status; queue a failed or interrupted job again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import django


def _admin() -> Any:
    from gridcrm.users.models import User

    return User.objects.get(username="admin")


def customer_rows(count: int, start: int = 0) -> list[dict[str, str]]:
    """Households for a customer import (account numbers 09900xxxxx), in a station."""
    from gridcrm.users.models import Region, RegionLevel
    from tests.conftest import resident_id

    station = Region.objects.filter(level=RegionLevel.STATION).order_by("code").first()
    assert station is not None
    return [
        {
            "account_no": f"0990{n:06d}",
            "户名": f"测试户{n}",
            "certificate type": "resident_id",
            "certificate_no": resident_id(n),
            "phone": "13912345678",
            "address": f"山西省阳泉市城区桃北西街{n}号",
            "region": station.code,
            "tariff_category": "residential",
            "tariff_structure": "single_part",
            "voltage_level": "220V",
            "contracted_kva": "8",
            "billing_method": "energy",
            "tou_applied": "0",
            "meter_kind": "smart_1p",
            "e_bill": "是",
        }
        for n in range(start, start + count)
    ]


def customers_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def readings_csv(year: int = 2023) -> bytes:
    """Three months of readings of a demo customer, and one of an unknown account."""
    from gridcrm.archive.models import Customer

    account = Customer.objects.order_by("account_no").values_list("account_no", flat=True)[0]
    lines = ["account_no,meter_no,ts,kwh,kw,power_factor"]
    for month in (1, 2, 3):
        lines += [f"{account},MX,{year}-{month:02d}-0{d} 00:00,0.{d},,0.9" for d in range(1, 8)]
    lines.append(f"0999999999,M7,{year}-01-01 00:00,0.50,,")
    return ("\n".join(lines) + "\n").encode()


def _run(job_id: int) -> None:
    from gridcrm.jobs.services import job_execute

    job_execute(job_id=job_id)


def start(kind: str, path: str = "") -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from gridcrm.archive.imports import import_start
    from gridcrm.credit.services import credit_batch_start
    from gridcrm.lake.services import lake_import_start

    with transaction.atomic():
        if kind == "import_customers":
            upload = SimpleUploadedFile("customers.csv", Path(path).read_bytes())
            return import_start(upload=upload, acting_user=_admin(), dry_run=False).pk
        if kind == "lake_import":
            with Path(path).open("rb") as content:
                record = lake_import_start(
                    table="readings",
                    source_name="readings.csv",
                    content=content,
                    acting_user=_admin(),
                )
            assert record.job is not None
            return record.job.pk
        # A day after the demo's own rating: the new set differs from the old by its date.
        return credit_batch_start(acting_user=_admin(), as_of=date(2026, 12, 31)).pk


def _service_request() -> None:
    from gridcrm.archive.selectors import customers_visible_to
    from gridcrm.service.models import RequestType
    from gridcrm.service.services import request_create
    from gridcrm.users.models import User

    agent, customer = next(  # a role that opens requests, with a customer in its scope
        (u, customers_visible_to(user=u).order_by("account_no").first())
        for u in User.objects.order_by("pk")
        if u.has_perm("service.add_servicerequest") and customers_visible_to(user=u).exists()
    )
    assert customer is not None
    request_create(
        customer=customer,
        request_type=RequestType.objects.get(code="enquiry"),
        channel="phone",
        summary="咨询电价",
        acting_user=agent,
    )


def seed(folder: Path) -> dict[str, int]:
    from gridcrm.jobs.services import job_start

    _service_request()
    rows = customer_rows(3)
    rows[2]["contracted_kva"] = "not a number"
    (folder / "seed.csv").write_bytes(customers_csv(rows))
    (folder / "readings.csv").write_bytes(readings_csv())
    jobs = {
        "import": start("import_customers", str(folder / "seed.csv")),
        "lake": start("lake_import", str(folder / "readings.csv")),
        "export": job_start(kind="export_customers", acting_user=_admin(), params={}).pk,
    }
    for job_id in jobs.values():
        _run(job_id)
    return jobs


def _rows_digest(table: str) -> str:
    """The facts of a table, whatever files hold them, as one digest."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from gridcrm.lake import catalog

    files = catalog.partition_files(table)
    rows = pa.concat_tables([pq.read_table(f) for f in files]).to_pylist() if files else []
    text = sorted(json.dumps(row, default=str, sort_keys=True) for row in rows)
    return hashlib.sha256("\n".join(text).encode()).hexdigest()


def state() -> dict[str, Any]:
    from gridcrm.archive.models import Customer
    from gridcrm.credit.models import CreditRun, CustomerCredit
    from gridcrm.jobs.models import Job
    from gridcrm.lake import catalog
    from gridcrm.lake.models import LakeImport
    from gridcrm.lake.schemas import FACT_TABLES
    from gridcrm.service.models import ServiceRequest

    lake = catalog.local_root()
    return {
        "customers": list(
            Customer.objects.order_by("account_no").values_list(
                "account_no", "name", "phone", "certificate_no", "contracted_kva"
            )
        ),
        "grades": list(
            CustomerCredit.objects.order_by("customer__account_no").values_list(
                "customer__account_no", "grade", "score", "as_of"
            )
        ),
        "credit_runs": list(CreditRun.objects.order_by("pk").values_list("customers", "changes")),
        "requests": list(
            ServiceRequest.objects.order_by("pk").values_list("pk", "status", "summary")
        ),
        "lake": {
            str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake.glob("*/month=*/*.parquet"))
        },
        "lake_rows": {table: _rows_digest(table) for table in FACT_TABLES},
        "staging": sorted(str(p.relative_to(lake)) for p in lake.glob("_staging/*")),
        "lake_imports": list(
            LakeImport.objects.order_by("pk").values_list(
                "status", "accepted", "already_present", "rejected"
            )
        ),
        "jobs": {j.pk: j.status for j in Job.objects.all()},
    }


def downloads() -> list[dict[str, Any]]:
    from django.test import Client
    from django.urls import reverse

    from gridcrm.jobs.models import Job, JobStatus
    from gridcrm.lake.models import LakeImport

    fetched = []
    pages = [
        (job.created_by, reverse("jobs:job_download", args=[job.pk]))
        for job in Job.objects.filter(status=JobStatus.SUCCEEDED).exclude(result_file="")
    ] + [
        (row.created_by, reverse("lake:import_rejects", args=[row.pk]))
        for row in LakeImport.objects.exclude(reject_file="")
    ]
    for user, url in pages:
        client = Client()
        client.force_login(user)
        response = client.get(url)
        body = response.getvalue() if response.status_code == 200 else b""
        fetched.append(
            {"url": url, "status": response.status_code, "sha256": hashlib.sha256(body).hexdigest()}
        )
    return fetched


def main(argv: list[str]) -> None:
    django.setup()
    action, *args = argv
    result: Any
    if action == "seed":
        result = seed(Path(args[0]))
    elif action == "write":  # write customers PATH COUNT / write readings PATH
        # Apart from what ``seed`` imports: accounts from 0990000100, readings of 2022.
        if args[0] == "customers":
            data = customers_csv(customer_rows(int(args[2]), start=100))
        else:
            data = readings_csv(year=2022)
        Path(args[1]).write_bytes(data)
        result = args[1]
    elif action == "state":
        result = state()
    elif action == "downloads":
        result = downloads()
    elif action == "start":
        result = start(*args)
    elif action == "rerun":
        from gridcrm.jobs.models import Job
        from gridcrm.jobs.services import job_rerun

        job = Job.objects.get(pk=int(args[0]))
        result = job_rerun(job=job, acting_user=job.created_by).pk
    elif action == "job":
        from gridcrm.jobs.models import Job

        job = Job.objects.get(pk=int(args[0]))
        result = {"status": job.status, "done": job.done, "message": job.message}
    else:
        raise SystemExit(f"unknown action {action}")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
