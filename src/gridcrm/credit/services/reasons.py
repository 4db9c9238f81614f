"""Reason codes: which indicators cost each rated customer most points (PIPL art. 24:
a customer may ask why)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from gridcrm.credit.services.scorecards import ActiveModel


def reason_codes(table: pa.Table, models: dict[str, ActiveModel], *, top: int = 3) -> list[str]:
    """Per row, as JSON, the ``top`` indicators that cost the customer most points:
    ``[[indicator, value, points lost], …]``, points lost = the indicator's best points −
    its points; indicators that cost nothing are left out. A categorical indicator's
    value is its category (text; null when missing). Vectorised: a million rows in
    seconds."""

    n = table.num_rows
    names = sorted({v for m in models.values() for v in m.card.variables})
    if not names or n == 0:
        return ["[]"] * n
    seg_index = {s: i for i, s in enumerate(models)}
    best = np.zeros((len(models), len(names)))
    for s, m in models.items():
        for j, name in enumerate(names):
            spec = m.card.variables.get(name)
            if spec:
                best[seg_index[s], j] = spec.best
    segments = table.column("segment").combine_chunks().dictionary_encode()
    seg_of_code = np.array(
        [seg_index.get(s, 0) for s in segments.dictionary.to_pylist()], dtype=np.int64
    )
    rows = seg_of_code[segments.indices.to_numpy(zero_copy_only=False)]
    pts = np.column_stack(
        [table.column(f"pts_{c}").to_numpy(zero_copy_only=False).astype(float) for c in names]
    )
    # A categorical indicator's value is its category, written as a JSON string: its
    # column holds, as a number, the category's place in ``category_text``.
    category_text: list[str] = []
    columns, is_category = [], np.zeros(len(names), dtype=bool)
    for j, c in enumerate(names):
        column = table.column(c)
        if _is_text(column.type):
            is_category[j] = True
            codes = pc.cast(column, pa.string()).combine_chunks().dictionary_encode()
            offset = len(category_text)
            category_text.extend(
                json.dumps(v, ensure_ascii=False) for v in codes.dictionary.to_pylist()
            )
            idx = codes.indices.to_numpy(zero_copy_only=False).astype(float)
            columns.append(
                np.where(codes.is_null().to_numpy(zero_copy_only=False), np.nan, idx + offset)
            )
        else:
            columns.append(column.to_numpy(zero_copy_only=False).astype(float))
    values = np.column_stack(columns)
    lost = np.round(best[rows] - pts, 2)
    order = np.argsort(-lost, axis=1, kind="stable")[:, :top]
    at = np.arange(n)[:, None]
    top_lost, top_raw = lost[at, order], values[at, order]
    top_values = np.where(is_category[order], top_raw, np.round(top_raw, 3))
    label = np.asarray(names, dtype=object)
    texts = pa.array(category_text, pa.string())
    items = []
    for k in range(order.shape[1]):
        v = pa.array(top_values[:, k], from_pandas=True)  # NaN → null
        text = pc.cast(v, pa.string())
        if category_text:
            category = pa.array(is_category[order[:, k]])
            code = pc.if_else(category, v, pa.scalar(0.0))
            text = pc.if_else(category, pc.take(texts, pc.cast(code, pa.int64())), text)
        item = pc.binary_join_element_wise(
            '["',
            pa.array(label[order[:, k]], pa.string()),
            '",',
            pc.fill_null(text, "null"),
            ",",
            pc.cast(pa.array(top_lost[:, k]), pa.string()),
            "]",
            "",
        )
        # An indicator that cost nothing is no reason. The losses are sorted, so the empty
        # items are the last ones: their commas are trimmed off the end.
        items.append(pc.if_else(pa.array(top_lost[:, k] > 0.005), item, ""))
    joined = pc.utf8_rtrim(pc.binary_join_element_wise(*items, ","), characters=",")
    return pc.binary_join_element_wise("[", joined, "]", "").to_pylist()  # type: ignore[no-any-return]


def _is_text(kind: pa.DataType) -> bool:
    """A column binned as categories: text, or dictionary-encoded text."""
    if pa.types.is_dictionary(kind):
        return _is_text(kind.value_type)
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
