"""The grid-health pipelines give the same results on DuckDB and on Spark (local[2]) over
one lake (the readings and outages of ``health_facts``). Marked ``spark`` (Java 17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest
from django.test import override_settings

from gridcrm.grid import pipelines as p
from gridcrm.lake import catalog
from gridcrm.lake.services import facts_append
from tests.grid import health_facts as hf
from tests.lake.conftest import spark_con  # noqa: F401 - the session's Spark
from tests.lake.test_engines import Pipeline, _plain

pytestmark = pytest.mark.spark


def _m(name: str) -> ibis.Table:
    return ibis.memtable(getattr(hf, name)())


def _events(c: ibis.BaseBackend) -> ibis.Table:
    return p.load_events(
        catalog.table(c, "readings"),
        _m("placements"),
        _m("transformers"),
        start=hf.START,
        end=hf.END,
    )


def _outages(c: ibis.BaseBackend) -> ibis.Table:
    return p.outage_stats(
        catalog.table(c, "outages"), _m("transformers"), _m("links"), start=hf.START, end=hf.END
    )


def _pf(c: ibis.BaseBackend) -> ibis.Table:
    return p.customer_power_factor(catalog.table(c, "readings"), start=hf.START, end=hf.END)


def _transformers(c: ibis.BaseBackend) -> ibis.Table:
    return p.transformer_health(_events(c), _outages(c), _m("transformers"), as_of=hf.AS_OF)


GRID_PIPELINES: dict[str, Pipeline] = {
    "transformer_intervals": lambda c: p.transformer_intervals(
        catalog.table(c, "readings"),
        _m("placements"),
        _m("transformers"),
        start=hf.START,
        end=hf.END,
    ),
    "load_events": _events,
    "customer_power_factor": _pf,
    "outage_stats": _outages,
    "transformer_health": _transformers,
    "feeder_health": lambda c: p.feeder_health(
        _transformers(c), _outages(c), _m("links"), _m("customers")
    ),
    "customer_health": lambda c: p.customer_health(
        _m("customers"), _pf(c), _outages(c), _m("links"), _transformers(c)
    ),
}


@pytest.fixture(scope="module")
def health_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("health") / "lake"
    with override_settings(LAKE_URL=str(root), VAR_DIR=root.parent / "var"):
        facts_append(table="readings", facts=hf.readings())
        facts_append(table="outages", facts=hf.outages())
        yield root


def _results(con: ibis.BaseBackend, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    table = con.to_pyarrow(GRID_PIPELINES[name](con))
    rows = [tuple(_plain(v) for v in row.values()) for row in table.to_pylist()]
    return table.column_names, sorted(rows, key=repr)


@pytest.mark.parametrize("name", sorted(GRID_PIPELINES))
def test_duckdb_and_spark_give_identical_health(
    name: str,
    health_lake: Path,
    spark_con: ibis.BaseBackend,  # noqa: F811 - the fixture imported above
) -> None:
    duck = _results(catalog.connect("duckdb"), name)
    spark = _results(spark_con, name)

    assert spark[0] == duck[0]
    assert duck[1]
    assert spark[1] == duck[1]
