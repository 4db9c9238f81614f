"""A batch of an import as columns: each field's cleaned values for all its rows, kept as
columns up to storage (choices and numbers as positions into their distinct values)."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast, overload

import numpy as np


class Coded(Sequence[Any]):
    """A column of few distinct values (choices, numbers, flags, stations): each row's
    position in ``values``. What is done per value — cleaning, blank or not, ``COPY``
    text — is done once per distinct value and spread to the rows by numpy."""

    def __init__(self, positions: Any, values: list[Any]) -> None:
        self.positions = positions
        self.values = values

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self.tolist()[index]
        return self.values[self.positions[index]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def tolist(self) -> list[Any]:
        """Every row's value."""
        table = np.empty(len(self.values), dtype=object)
        table[:] = self.values
        return cast(list[Any], table[self.positions].tolist())

    def take(self, rows: Any) -> Coded:
        return Coded(self.positions[rows], self.values)

    def spread(self, per_value: Sequence[Any], dtype: Any = object) -> Any:
        """A numpy array of ``per_value[position]`` for every row."""
        return np.asarray(per_value, dtype=dtype)[self.positions]


@dataclass
class Row:
    number: int
    cells: list[str]
    values: dict[str, Any]


@dataclass
class Judged:
    """A batch's accepted rows, a column per field of the file: each column's cleaned
    values and which of them hold something."""

    numbers: list[int]
    cells: list[list[str]]
    names: list[str]
    columns: list[list[Any] | Coded]
    filled: list[Any]  # boolean arrays

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, name: str) -> list[Any] | Coded | None:
        return self.columns[self.names.index(name)] if name in self.names else None

    def account_nos(self) -> list[str]:
        return [a or "" for a in self.columns[self.names.index("account_no")]]

    def row(self, index: int) -> Row:
        values = {
            name: column[index]
            for name, column, filled in zip(self.names, self.columns, self.filled, strict=True)
            if filled[index]
        }
        return Row(self.numbers[index], self.cells[index], values)

    def take(self, indices: Sequence[int]) -> Judged:
        """These rows only (ascending indices, as every caller filters)."""
        if len(indices) == len(self.numbers):
            return self
        at = np.asarray(indices, dtype=np.intp)
        return Judged(
            picked(self.numbers, indices),
            picked(self.cells, indices),
            self.names,
            [c.take(at) if isinstance(c, Coded) else picked(c, indices) for c in self.columns],
            [f[at] for f in self.filled],
        )


class Same:
    """A column whose every row holds this one value."""

    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass
class NewRows:
    """New customers of a batch, a column per attribute of ``Customer``."""

    numbers: list[int]
    account_nos: list[str]
    columns: dict[str, list[Any] | Coded | Same]  # but the search keys: see ``texts``

    def __len__(self) -> int:
        return len(self.numbers)

    def texts(self, attname: str) -> list[str]:
        column = self.columns[attname]
        if isinstance(column, Same):
            return [column.value] * len(self)
        return column.tolist() if isinstance(column, Coded) else column

    def attrs(self) -> Iterator[dict[str, Any]]:
        """Each customer's attributes."""
        names = list(self.columns)
        count = len(self.numbers)
        columns = [
            itertools.repeat(c.value, count) if isinstance(c, Same) else c
            for c in self.columns.values()
        ]
        for values in zip(*columns, strict=True):
            yield dict(zip(names, values, strict=True))


def picked(values: Sequence[Any], indices: Sequence[int]) -> list[Any]:
    """The values at these indices, gathered in C rather than a Python loop."""
    if len(indices) > 1:
        return list(operator.itemgetter(*indices)(values))
    return [values[i] for i in indices]


def blanks_as(values: list[Any] | Coded, filled: Any, default: Any) -> list[Any] | Coded:
    """The column with ``default`` in its blank cells, as a new customer's attribute; the
    column itself when its blank cells clean to the default already (equal, and of its
    type), as they mostly do."""
    blank = np.flatnonzero(~filled).tolist()
    if isinstance(values, Coded):
        cleaned = [values.values[p] for p in np.unique(values.positions[blank]).tolist()]
    else:
        cleaned = picked(values, blank)
    if set(map(type, cleaned)) <= {type(default)} and set(cleaned) <= {default}:
        return values
    return [v if f else default for v, f in zip(values, filled.tolist(), strict=True)]
