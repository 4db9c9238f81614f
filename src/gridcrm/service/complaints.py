"""The archive's ``complaints_12m`` (complaints in 12 months, a derived behaviour field),
fed from the service requests.

It is computed in the lake's daily pipeline run (``gridcrm lake_pipelines``, the lake
page's run), which computes what apps register in ``LAKE_RESULTS``
(``complaints_exprs``) with its own results and stores them in its transaction
(``complaints_store``); ``complaints_refresh`` runs it alone (the demo, after its service
requests exist). The requests reach the pipeline (``service.pipelines.complaints_12m``)
as an extract of the database, like the billing's terms and graces.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from gridcrm.archive.selectors import customers_derived_values
from gridcrm.archive.services import customers_facts_apply
from gridcrm.service import pipelines
from gridcrm.service.models import ServiceRequest

if TYPE_CHECKING:
    import pyarrow as pa

    from gridcrm.users.models import User

FIELD = "complaints_12m"


def customers_extract() -> tuple[pa.Table, dict[int, str]]:
    """Every customer as the pipeline reads it (``account_no``), and account number by id."""
    import pyarrow as pa

    account_of = {pk: number for pk, number, _stored in customers_derived_values(field=FIELD)}
    return pa.table({"account_no": pa.array(list(account_of.values()), pa.string())}), account_of


def requests_extract(*, as_of: dt.date, account_of: dict[int, str]) -> pa.Table:
    """The requests received in the complaints window of ``as_of`` (local days), as the
    pipeline reads them: ``account_no``, ``category``, ``opened_on``. Requests of a
    customer missing from ``account_of`` (made since it was read) are left out."""
    import pyarrow as pa

    first, last = pipelines.complaints_window(as_of)
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(first, dt.time(), zone)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    rows = (
        ServiceRequest.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by()
        .values_list("customer_id", "request_type__category", "created_at")
    )
    accounts: list[str] = []
    categories: list[str] = []
    days: list[dt.date] = []
    for customer_id, category, created_at in rows.iterator(chunk_size=20000):
        if customer_id in account_of:
            accounts.append(account_of[customer_id])
            categories.append(category)
            days.append(timezone.localtime(created_at, zone).date())
    return pa.table(
        {
            "account_no": pa.array(accounts, pa.string()),
            "category": pa.array(categories, pa.string()),
            "opened_on": pa.array(days, pa.date32()),
        }
    )


def complaints_exprs(con: Any, as_of: dt.date) -> dict[str, Any]:
    """The Ibis expression of every customer's complaints in 12 months on ``as_of``
    (``LAKE_RESULTS``); none while the archive holds no customer."""
    import ibis

    customers, account_of = customers_extract()
    if not account_of:
        return {}
    requests = requests_extract(as_of=as_of, account_of=account_of)
    expr = pipelines.complaints_12m(ibis.memtable(customers), ibis.memtable(requests), as_of=as_of)
    return {"complaints": expr}


def complaints_store(
    results: dict[str, pa.Table], as_of: dt.date, *, acting_user: User | None = None
) -> int:
    """Write the run's figures into the archive (``archive.services.customers_facts_apply``)
    for exactly the customers whose stored figure differs; a change of a figure already
    there is recorded in the customer's history. Returns how many customers changed."""
    if "complaints" not in results:
        return 0
    figures = dict(
        zip(
            results["complaints"].column("account_no").to_pylist(),
            results["complaints"].column(FIELD).to_pylist(),
            strict=True,
        )
    )
    values = {
        pk: {FIELD: figures[account_no]}
        for pk, account_no, stored in customers_derived_values(field=FIELD)
        if account_no in figures and stored != figures[account_no]
    }
    return customers_facts_apply(values=values, recorded={FIELD}, acting_user=acting_user)


def complaints_refresh(
    *,
    as_of: dt.date | None = None,
    engine: str | None = None,
    acting_user: User | None = None,
) -> int:
    """Compute every customer's complaints in 12 months on ``as_of`` (today by default)
    and store them, outside the lake's run; computed whole before one transaction
    stores them. ``acting_user`` is who asked (``None``: the system). Returns how many
    customers changed."""
    from gridcrm.lake import catalog
    from gridcrm.lake.services import results_compute

    as_of = as_of or timezone.localdate()
    con = catalog.connect(engine)
    results = results_compute(con, complaints_exprs(con, as_of))
    with transaction.atomic():
        return complaints_store(results, as_of, acting_user=acting_user)
