"""The billing pipelines give the same results on DuckDB and on Spark (local[2]).

Marked ``spark``: it needs Java 17. The lake has a partial payment, a reversal, an
advance payment and arrears across a year boundary; R's due dates are moved by the
credit policy and one of N's bills has grace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ibis
import pytest

from gridcrm.billing import pipelines
from gridcrm.billing.latefees import DEFAULT_RATES
from gridcrm.lake import catalog
from tests.billing import facts
from tests.lake.conftest import spark_con  # noqa: F401 - the session's SparkSession
from tests.lake.test_engines import _plain

pytestmark = pytest.mark.spark


def _inputs(con: ibis.BaseBackend) -> tuple[ibis.Table, ...]:
    return (
        catalog.table(con, "bills"),
        catalog.table(con, "payments"),
        ibis.memtable({"account_no": [facts.R], "due_shift_days": [-5]}),
        ibis.memtable({"bill_id": ["N202403"], "grace_days": [7]}),
    )


BILLING_PIPELINES: dict[str, Callable[[ibis.BaseBackend], ibis.Table]] = {
    "issued_bills": lambda c: pipelines.issued_bills(catalog.table(c, "bills"), as_of=facts.AS_OF),
    "bill_late_fees": lambda c: pipelines.bill_late_fees(
        *_inputs(c), as_of=facts.AS_OF, rates=DEFAULT_RATES
    ),
    "account_balances": lambda c: pipelines.account_balances(
        *_inputs(c), as_of=facts.AS_OF, rates=DEFAULT_RATES
    ),
}


def _results(con: ibis.BaseBackend, name: str) -> tuple[list[str], list[tuple[object, ...]]]:
    table = con.to_pyarrow(BILLING_PIPELINES[name](con))
    rows = [tuple(_plain(v) for v in row.values()) for row in table.to_pylist()]
    return table.column_names, sorted(rows, key=repr)


@pytest.mark.parametrize("name", sorted(BILLING_PIPELINES))
def test_duckdb_and_spark_give_identical_results(
    name: str,
    accounts_lake: Path,
    spark_con: ibis.BaseBackend,  # noqa: F811 - the fixture imported above
) -> None:
    duck_columns, duck_rows = _results(catalog.connect("duckdb"), name)
    spark_columns, spark_rows = _results(spark_con, name)

    assert spark_columns == duck_columns
    assert duck_rows
    assert spark_rows == duck_rows
