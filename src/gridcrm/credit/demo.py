"""Demo credit data: fit the data-fitted scorecard on the demo lake, rate every customer,
and leave a few events, an override and a review request to look at.

Call after ``gridcrm demo_facts`` (``gridcrm demo`` does): the hidden risk classes of
``lake/_demo_truth`` go into the model report, to show what the model recovers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, TextIO

import ibis
import numpy as np
import pandas as pd
from django.utils import timezone

from gridcrm.archive.demo import customer_get, customer_pks_by_account, portal_customer
from gridcrm.credit import services
from gridcrm.credit.expert import DEFAULT_MATRIX
from gridcrm.credit.models import EventKind, ReviewRequest
from gridcrm.credit.scorecard import FitError
from gridcrm.lake import catalog
from gridcrm.users.demo import user_with_role
from gridcrm.users.roles import Role

if TYPE_CHECKING:
    from gridcrm.users.models import User


def _lake_end(con: ibis.BaseBackend) -> date:
    bills = catalog.table(con, "bills")
    last = con.execute(bills.period.max())
    last_day = last if isinstance(last, date) else pd.Timestamp(last).date()
    # the day the demo facts run to: the middle of the month after the last bill
    return date(last_day.year, last_day.month, 1) + timedelta(days=45)


def _truth() -> pd.DataFrame | None:
    path = catalog.local_root() / "_demo_truth" / "customers.parquet"
    if not path.is_file():
        return None
    return pd.read_parquet(path, columns=["account_no", "risk"])


def _user(role: Role) -> User | None:
    return user_with_role(role)


def demo_credit_data(*, seed: int, stdout: TextIO) -> None:
    """Fit the scorecard on the demo lake, rate every customer, add sample records."""
    rng = np.random.default_rng(seed)
    con = catalog.connect("duckdb")
    until = _lake_end(con)
    until = min(until, timezone.localdate())
    manager = _user(Role.MARKETING_MANAGER)
    try:
        sample = services.training_sample(con=con, until=until)
        version = services.fitted_publish(
            sample=sample,
            note=f"demo fit, data to {until}",
            acting_user=None,
            truth=_truth(),
        )
    except FitError as exc:
        # A demo of a few dozen customers may hold too few bad payers to fit on; the
        # expert scorecard rates them instead.
        stdout.write(f"Credit: no fitted scorecard ({exc}); the expert scorecard rates\n")
    else:
        report = version.detail
        stdout.write(
            f"Credit: fitted scorecard v{version.number} on {report['n_train']} development"
            f" and {report['n_oot']} out-of-time rows; AUC out of time"
            f" {report['auc_oot']:.3f}, KS {report['ks_oot']:.3f}, PSI {report['psi']:.3f}\n"
        )
    services.expert_publish(
        matrix=DEFAULT_MATRIX,
        note="built-in judgements",
        acting_user=manager,
    ) if manager else None
    # A few incidents entered by staff, so that every trigger shows somewhere.
    customers = customer_pks_by_account()
    picks = rng.choice(len(customers), size=min(6, len(customers)), replace=False)
    kinds = [
        EventKind.ACCIDENT,
        EventKind.HAZARD_IGNORED,
        EventKind.BROKEN_PLAN,
        EventKind.RETURNED_PAYMENT,
        EventKind.MERIT_COOPERATION,
        EventKind.LATE_PAYMENT,
    ]
    for index, kind in zip(picks, kinds, strict=False):
        customer = customer_get(customers[int(index)])
        services.credit_event_record(
            customer=customer,
            kind=kind,
            occurred_on=until - timedelta(days=int(rng.integers(10, 200))),
            acting_user=None,
            note="demo",
        )
    result = services.credit_rate_all(as_of=until, acting_user=manager)
    counts = ", ".join(f"{g} {n}" for g, n in sorted(result.run.grade_counts.items()))
    stdout.write(
        f"Credit: rated {result.run.customers} customers as of {until} ({counts}) "
        f"in {result.run.seconds:.1f} s\n"
    )
    customer_user = _user(Role.CUSTOMER)
    if customer_user is not None:
        own = portal_customer(customer_user)
        if own is not None:
            services.review_request_submit(
                customer=own,
                kind=ReviewRequest.Kind.EXPLANATION,
                message="请解释我的信用等级是如何评定的。",
                acting_user=customer_user,
            )
