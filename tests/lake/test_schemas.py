"""The documented schemas are the ones the code uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridcrm.core.errors import DomainError
from gridcrm.lake.schemas import FACT_TABLES, fact_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "lake.md"


def test_every_column_of_every_fact_table_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for schema in FACT_TABLES.values():
        section = text.split(f"### `{schema.name}`", 1)[1].split("###", 1)[0]
        for column in schema.columns:
            assert f"| `{column.name}` | `{column.type}` |" in section, (schema.name, column.name)


def test_a_key_names_columns_of_its_table() -> None:
    for schema in FACT_TABLES.values():
        assert set(schema.key) <= set(schema.names)
        assert schema.month_of in schema.names


def test_an_unknown_table_is_named_in_the_error() -> None:
    with pytest.raises(DomainError) as refused:
        fact_schema("meters")
    assert refused.value.code == "lake.unknown_table"
    assert "'meters'" in refused.value.message
