"""SQL text for the lake's DuckDB checks: quoting, the schemas' types, and the lake's
files of a table read whole even where earlier files lack a column added since."""

# SQL here is built from the schemas' column names (quoted) and from paths the lake
# makes; values from files never enter SQL text, so S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from gridcrm.lake.schemas import Column, FactSchema


def quoted(name: str) -> str:
    """A quoted SQL identifier (names come from the schemas or the file's header)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


_DUCK_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "double": "DOUBLE",
    "date32[day]": "DATE",
    "timestamp[us, tz=UTC]": "TIMESTAMPTZ",
    "bool": "BOOLEAN",
    "decimal128(12, 2)": "DECIMAL(12, 2)",
}


def duck_type(column: Column) -> str:
    return _DUCK_TYPES[str(column.type)]


def absent(column: Column) -> str:
    """The value of a column a file (or an earlier lake file) does not have."""
    value = "NULL" if column.default is None else literal(column.default)
    return f"CAST({value} AS {duck_type(column)})"


def lake_relation(
    con: duckdb.DuckDBPyConnection, schema: FactSchema, files: Sequence[Path]
) -> duckdb.DuckDBPyRelation:
    """The lake's ``files`` of a table with exactly its schema's columns: files written
    before a column was added (``FactSchema.added``) give its default, or null."""
    relation = con.read_parquet([str(p) for p in files], union_by_name=bool(schema.added))
    have = set(relation.columns)
    select = []
    for column in schema.columns:
        name = quoted(column.name)
        if column.name not in have:
            select.append(f"{absent(column)} AS {name}")
        elif column.default is not None:
            select.append(f"coalesce({name}, {literal(column.default)}) AS {name}")
        else:
            select.append(name)
    return relation.select(", ".join(select))
