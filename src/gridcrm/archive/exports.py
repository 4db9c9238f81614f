"""Customer export as CSV, run as a background job."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from gridcrm.archive.masking import mask_phone
from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.archive.selectors import customer_search
from gridcrm.archive.services import can_see_contact
from gridcrm.jobs.models import Job, JobKind
from gridcrm.jobs.services import job_progress, job_runner

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 2000


def neutralise_formula(value: str) -> str:
    """Make a cell that a spreadsheet would run as a formula plain text (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _row(customer: Customer, *, unmasked: bool) -> list[str]:
    phone = customer.phone if unmasked else mask_phone(customer.phone)
    cells = [
        customer.account_no,
        customer.name,
        customer.get_segment_display(),
        customer.get_tariff_category_display(),
        customer.voltage_level,
        str(customer.contracted_kva),
        customer.region.name,
        customer.address,
        phone,
        customer.industry_code,
    ]
    return [neutralise_formula(str(cell)) for cell in cells]


@job_runner(JobKind.EXPORT_CUSTOMERS)
def export_customers(job: Job) -> str:
    """Write the customers the job's creator may see (and their search) to a CSV file."""
    user = job.created_by
    unmasked = can_see_contact(user=user) and bool(job.params.get("unmasked"))
    customers = customer_search(user=user, query=str(job.params.get("q", ""))).order_by("pk")
    total = customers.count()
    job_progress(job, done=0, total=total)
    out_dir = Path(settings.VAR_DIR) / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"customers-{job.pk}.csv"
    with (
        translation.override(job.params.get("language", settings.LANGUAGE_CODE)),
        path.open("w", newline="", encoding="utf-8-sig") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(
            [
                _("account number"),
                _("account name"),
                _("segment"),
                _("tariff category"),
                _("voltage level"),
                _("contracted capacity (kVA)"),
                _("supply station"),
                _("address"),
                _("contact phone"),
                _("industry (GB/T 4754)"),
            ]
        )
        done = 0
        last_pk = 0
        while True:
            batch = list(customers.filter(pk__gt=last_pk)[:_BATCH])
            if not batch:
                break
            writer.writerows(_row(c, unmasked=unmasked) for c in batch)
            last_pk = batch[-1].pk
            done += len(batch)
            job_progress(job, done=done)
    if unmasked:
        DisclosureEvent.objects.create(
            customer=None,
            actor=user,
            channel=DisclosureEvent.Channel.EXPORT,
            fields="phone",
            detail=f"job {job.pk}: {total} customers",
        )
    return str(path)
