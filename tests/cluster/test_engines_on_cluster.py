"""Every lake pipeline gives on the Spark standalone cluster what it gives on DuckDB.

The pipelines are those of the six ``pipelines`` modules (lake, load, credit, grid,
billing, service: its ``complaints_12m`` is in ``tests.lake.test_engines.PIPELINES``); the
last test checks that no public ``Table`` function of theirs is left out here.
"""

from __future__ import annotations

import inspect
from datetime import date
from pathlib import Path
from types import ModuleType

import ibis
import pyarrow as pa
import pytest

from gridcrm.billing import pipelines as billing_pipelines
from gridcrm.billing.latefees import DEFAULT_RATES
from gridcrm.credit import pipelines as credit_pipelines
from gridcrm.grid import pipelines as grid_pipelines
from gridcrm.lake import catalog
from gridcrm.lake import pipelines as lake_pipelines
from gridcrm.lake.standalone import StandaloneCluster
from gridcrm.load import pipelines as load_pipelines
from gridcrm.service import pipelines as service_pipelines
from tests.conftest import Regions
from tests.credit.conftest import LakeWriter, lake  # noqa: F401 - the credit lake fixture
from tests.credit.test_engines import test_duckdb_and_spark_rate_alike as rate_alike
from tests.lake import facts
from tests.lake.test_engines import PIPELINES, Pipeline, _plain

pytestmark = pytest.mark.cluster


def _t(con: ibis.BaseBackend, name: str) -> ibis.Table:
    return catalog.table(con, name)


TERMS = ibis.memtable({"account_no": [facts.A], "due_shift_days": [-5]})
GRACES = ibis.memtable({"bill_id": ["B202401"], "grace_days": [7]})
GROUPS = ibis.memtable({"account_no": [facts.A, facts.B], "group": ["g1", "g1"]})
REGION_GROUPS = ibis.memtable(
    {
        "account_no": [facts.A, facts.B],
        "region_id": [1, 1],
        "segment": ["residential", "large_industry"],
        "industry": ["", "C31"],
    }
)
DAYS = [date(2024, 1, 31), date(2024, 2, 1)]

# The grid's registry for the small lake: customer A alone on a 12 kVA transformer, so
# its 12 kW days (13.3 kVA at the assumed power factor) overload it; a fault on its line.
GRID_START, GRID_END = date(2024, 1, 1), date(2024, 3, 1)
PLACEMENTS = pa.table({"account_no": [facts.A], "meter_no": ["*"], "transformer": ["T1"]})
TRANSFORMERS = pa.table(
    {
        "transformer": ["T1", "T2"],
        "feeder": ["F1", "F1"],
        "kva": [12.0, 50.0],
        "dedicated": [False, True],
        "test_due": pa.array([None, date(2023, 1, 1)], pa.date32()),
        "meters_overdue": pa.array([0, 1], pa.int64()),
    }
)
LINKS = pa.table({"account_no": [facts.A, facts.B], "transformer": ["T1", "T2"]})
CUSTOMERS = pa.table(
    {
        "account_no": [facts.A, facts.B],
        "meters_overdue": pa.array([0, 1], pa.int64()),
        "important_gaps": pa.array([0, 1], pa.int64()),
    }
)


def _grid_outages() -> ibis.Table:
    from tests.grid.health_facts import local, outages

    table = outages().slice(0, 1)  # one hour on line F1
    start = pa.array([local(date(2024, 1, 31), 9)], table.schema.field("start_at").type)
    end = pa.array([local(date(2024, 1, 31), 10)], table.schema.field("end_at").type)
    return ibis.memtable(table.set_column(4, "start_at", start).set_column(5, "end_at", end))


def _g(name: str) -> ibis.Table:
    return ibis.memtable({"p": PLACEMENTS, "t": TRANSFORMERS, "l": LINKS, "c": CUSTOMERS}[name])


def _grid_events(c: ibis.BaseBackend) -> ibis.Table:
    return grid_pipelines.load_events(
        _t(c, "readings"), _g("p"), _g("t"), start=GRID_START, end=GRID_END
    )


def _grid_outage_stats(c: ibis.BaseBackend) -> ibis.Table:
    return grid_pipelines.outage_stats(
        _grid_outages(), _g("t"), _g("l"), start=GRID_START, end=GRID_END
    )


def _grid_pf(c: ibis.BaseBackend) -> ibis.Table:
    return grid_pipelines.customer_power_factor(_t(c, "readings"), start=GRID_START, end=GRID_END)


def _grid_transformers(c: ibis.BaseBackend) -> ibis.Table:
    return grid_pipelines.transformer_health(
        _grid_events(c), _grid_outage_stats(c), _g("t"), as_of=GRID_END
    )


GRID: dict[str, Pipeline] = {
    "transformer_intervals": lambda c: grid_pipelines.transformer_intervals(
        _t(c, "readings"), _g("p"), _g("t"), start=GRID_START, end=GRID_END
    ),
    "load_events": _grid_events,
    "customer_power_factor": _grid_pf,
    "outage_stats": _grid_outage_stats,
    "transformer_health": _grid_transformers,
    "feeder_health": lambda c: grid_pipelines.feeder_health(
        _grid_transformers(c), _grid_outage_stats(c), _g("l"), _g("c")
    ),
    "customer_health": lambda c: grid_pipelines.customer_health(
        _g("c"), _grid_pf(c), _grid_outage_stats(c), _g("l"), _grid_transformers(c)
    ),
}

ON_CLUSTER: dict[str, Pipeline] = {
    **GRID,
    **PIPELINES,
    "typical_curves": lambda c: load_pipelines.typical_curves(_t(c, "readings")),
    "group_load": lambda c: load_pipelines.group_load(
        _t(c, "readings"), GROUPS, start=DAYS[0], end=date(2024, 2, 3)
    ),
    "region_group_energy": lambda c: load_pipelines.region_group_energy(
        _t(c, "readings"), REGION_GROUPS, start=DAYS[0], end=date(2024, 2, 3)
    ),
    "region_group_days": lambda c: load_pipelines.region_group_days(
        _t(c, "readings"), REGION_GROUPS, start=DAYS[0], end=date(2024, 2, 3)
    ),
    "metered_by_slot": lambda c: load_pipelines.metered_by_slot(_t(c, "readings"), [facts.A], DAYS),
    "serious_arrears_outcome": lambda c: credit_pipelines.serious_arrears_outcome(
        _t(c, "bills"), _t(c, "payments"), as_of=date(2023, 6, 30), until=facts.AS_OF
    ),
    "issued_bills": lambda c: billing_pipelines.issued_bills(_t(c, "bills"), as_of=facts.AS_OF),
    "bill_late_fees": lambda c: billing_pipelines.bill_late_fees(
        _t(c, "bills"), _t(c, "payments"), TERMS, GRACES, as_of=facts.AS_OF, rates=DEFAULT_RATES
    ),
    "account_balances": lambda c: billing_pipelines.account_balances(
        _t(c, "bills"), _t(c, "payments"), TERMS, GRACES, as_of=facts.AS_OF, rates=DEFAULT_RATES
    ),
}

RATING = {
    "known_bills",
    "settlement",
    "bill_indicators",
    "violation_indicators",
    "event_indicators",
    "credit_indicators",
    "scored",
    "graded",
}
"""The credit functions the whole rating expression is made of (``test_rating…``)."""


@pytest.fixture(scope="module")
def expected(small_lake_root: Path) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """DuckDB's results, the reference."""
    from django.test import override_settings

    with override_settings(LAKE_URL=str(small_lake_root)):
        con = catalog.connect("duckdb")
        return {name: _results(con, name) for name in ON_CLUSTER}


def _results(con: ibis.BaseBackend, name: str) -> tuple[list[str], list[tuple[object, ...]]]:
    """Columns and rows (sorted, values in one engine-neutral form) of a pipeline."""
    table = con.to_pyarrow(ON_CLUSTER[name](con))
    rows = [tuple(_plain(v) for v in row.values()) for row in table.to_pylist()]
    return table.column_names, sorted(rows, key=repr)


@pytest.mark.parametrize("name", sorted(ON_CLUSTER))
def test_the_cluster_gives_duckdbs_result(
    name: str,
    on_cluster: StandaloneCluster,
    small_lake: Path,
    expected: dict[str, tuple[list[str], list[tuple[object, ...]]]],
) -> None:
    columns, rows = _results(catalog.connect("spark"), name)

    assert columns == expected[name][0]
    assert rows
    assert rows == expected[name][1]
    assert on_cluster.alive_workers() == 2


@pytest.mark.django_db
def test_the_whole_credit_rating_on_the_cluster_is_duckdbs(
    on_cluster: StandaloneCluster,
    lake: LakeWriter,  # noqa: F811 - the fixture imported above
    regions: Regions,
) -> None:
    rate_alike(lake, regions, catalog.connect("spark"))


def _table_functions(module: ModuleType) -> set[str]:
    return {
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and str(inspect.signature(function).return_annotation).endswith("Table")
    }


def test_every_pipeline_of_the_pipelines_modules_is_run_here() -> None:
    declared = (
        _table_functions(lake_pipelines)
        | _table_functions(load_pipelines)
        | _table_functions(credit_pipelines)
        | _table_functions(grid_pipelines)
        | _table_functions(billing_pipelines)
        | _table_functions(service_pipelines)
    )
    named = {name for name in ON_CLUSTER if name != "payment_behaviour_later"}

    assert declared == named | RATING
