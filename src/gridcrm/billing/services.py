"""Writes of the billing app: the late-fee rule's versions and the daily balances run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customers_for_rating
from gridcrm.billing import events, pipelines
from gridcrm.billing.errors import BillingInvalid, BillingRefused
from gridcrm.billing.models import AccountBalance, LateFeeRuleVersion
from gridcrm.billing.selectors import late_fee_rates_current
from gridcrm.core.versioning import version_publish
from gridcrm.credit.selectors import UNRATED_GRADE, credit_grades
from gridcrm.jobs.services import job_progress, job_start
from gridcrm.lake import catalog
from gridcrm.lake.selectors import require_import_facts
from gridcrm.lake.services import results_compute
from gridcrm.service.credit import credit_terms
from gridcrm.service.selectors import approved_grace_days

if TYPE_CHECKING:
    from gridcrm.jobs.models import Job
    from gridcrm.users.models import User

# Job kind (declared with its runner in billing/tasks.py).
BILLING_BALANCES = "billing_balances"

_UPSERT_BATCH = 2000
_MAX_PER_MILLE = Decimal("100")


@transaction.atomic
def late_fee_rules_publish(
    *,
    acting_user: User,
    residential_per_mille: Decimal,
    current_year_per_mille: Decimal,
    across_years_per_mille: Decimal,
    minimum_yuan: Decimal,
    source: str,
    note: str = "",
) -> LateFeeRuleVersion:
    """Publish the next version of the late-fee rule; it holds from the next balances run.
    Refused without the permission (``billing.not_allowed``); rates outside 0–100 ‰, a
    negative minimum or no source article are ``billing.invalid``."""
    if not acting_user.has_perm("billing.manage_late_fees"):
        raise BillingRefused(_("Your role may not change the late-fee rule."))
    problems: dict[str, str] = {}
    for name, rate in (
        ("residential_per_mille", residential_per_mille),
        ("current_year_per_mille", current_year_per_mille),
        ("across_years_per_mille", across_years_per_mille),
    ):
        if not Decimal(0) <= rate <= _MAX_PER_MILLE:
            problems[name] = _("A rate is between 0 and 100 ‰ a day.")
    if minimum_yuan < 0:
        problems["minimum_yuan"] = _("The minimum fee cannot be negative.")
    if not source.strip():
        problems["source"] = _("Name the article of the rules the rates come from.")
    if problems:
        raise BillingInvalid(_("The late-fee rule is not valid."), fields=problems)
    version = version_publish(
        LateFeeRuleVersion,
        acting_user=acting_user,
        note=note.strip()[:300],
        residential_per_mille=residential_per_mille,
        current_year_per_mille=current_year_per_mille,
        across_years_per_mille=across_years_per_mille,
        minimum_yuan=minimum_yuan,
        source=source.strip()[:300],
    )
    events.rules_published(version=version, acting_user=acting_user)
    return version


def due_shifts() -> pa.Table:
    """Per customer: days the credit policy in force moves billing's due dates
    (``account_no``, ``due_shift_days``), only where it moves them."""
    grades = credit_grades()
    lookup = credit_terms()
    shift_of: dict[tuple[str, str], int] = {}
    accounts: list[str] = []
    shifts: list[int] = []
    for customer_id, account_no, segment, *_rest in customers_for_rating():
        key = (grades.get(customer_id, UNRATED_GRADE), segment)
        if key not in shift_of:
            shift_of[key] = lookup(*key).due_shift_days
        if shift_of[key]:
            accounts.append(account_no)
            shifts.append(shift_of[key])
    return pa.table(
        {
            "account_no": pa.array(accounts, pa.string()),
            "due_shift_days": pa.array(shifts, pa.int64()),
        }
    )


def graces_table(*, customer_id: int | None = None) -> pa.Table:
    """Approved grace as the pipeline reads it (``bill_id``, ``grace_days``)."""
    days = approved_grace_days(customer_id=customer_id)
    return pa.table(
        {
            "bill_id": pa.array(list(days), pa.string()),
            "grace_days": pa.array(list(days.values()), pa.int64()),
        }
    )


def balances_upsert(*, balances: pa.Table, as_of: date, rules_version: int) -> int:
    """Insert or update each customer's ``AccountBalance``; a customer no longer in the
    result (no bills, no payments) keeps no stale row."""
    from gridcrm.archive.selectors import customer_ids_by_account

    ids = customer_ids_by_account()
    fields = [c for c in pipelines.BALANCE_COLUMNS if c != "account_no"]
    count = 0
    for batch in balances.to_batches(max_chunksize=_UPSERT_BATCH):
        rows: list[dict[str, Any]] = batch.to_pylist()
        objs = [
            AccountBalance(
                customer_id=ids[row["account_no"]],
                as_of=as_of,
                rules_version=rules_version,
                **{f: row[f] for f in fields},
            )
            for row in rows
            if row["account_no"] in ids
        ]
        AccountBalance.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["as_of", "rules_version", *fields, "computed_at"],
        )
        count += len(objs)
    AccountBalance.objects.exclude(as_of=as_of).delete()
    return count


def balances_run(
    *, engine: str | None = None, as_of: date | None = None, job: Job | None = None
) -> int:
    """Compute every customer's balance, arrears by age and late fees as of a day
    (today by default) in the lake and store them; the result is computed whole before
    one transaction stores it, so a failed or cancelled run changes nothing."""
    as_of = as_of or timezone.localdate()
    rates = late_fee_rates_current()
    con = catalog.connect(engine)
    expr = pipelines.account_balances(
        catalog.table(con, "bills"),
        catalog.table(con, "payments"),
        ibis.memtable(due_shifts()),
        ibis.memtable(graces_table()),
        as_of=as_of,
        rates=rates,
    )
    result = results_compute(con, {"balances": expr}, job=job)["balances"]
    with transaction.atomic():
        count = balances_upsert(balances=result, as_of=as_of, rules_version=rates.version)
        events.balances_computed(as_of=as_of, customers=count, rules_version=rates.version)
    if job is not None:
        job_progress(job, done=100, total=100)
    return count


def balances_start(*, acting_user: User, as_of: date | None = None) -> Job:
    """Queue a balances run as a background job (the daily timer starts one too); refused
    for a user who may not run the lake's pipelines (``lake.may_not_import``)."""
    require_import_facts(user=acting_user)
    params: dict[str, Any] = {"as_of": as_of.isoformat() if as_of else ""}
    return job_start(kind=BILLING_BALANCES, acting_user=acting_user, params=params)


def run_balances_job(job: Job) -> str:
    raw = str(job.params.get("as_of") or "")
    balances_run(as_of=date.fromisoformat(raw) if raw else None, job=job)
    return ""
