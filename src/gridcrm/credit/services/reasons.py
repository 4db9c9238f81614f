"""Reason codes: which indicators cost each rated customer most points (PIPL art. 24:
a customer may ask why)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from gridcrm.credit.services.scorecards import ActiveModel


def reason_codes(table: pa.Table, models: dict[str, ActiveModel], *, top: int = 3) -> list[str]:
    """Per row, as JSON, the ``top`` indicators that cost the customer most points:
    ``[[indicator, value, points lost], …]``, points lost = the indicator's best points −
    its points; indicators that cost nothing are left out. Vectorised: a million rows in
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
    values = np.column_stack(
        [table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in names]
    )
    lost = np.round(best[rows] - pts, 2)
    order = np.argsort(-lost, axis=1, kind="stable")[:, :top]
    at = np.arange(n)[:, None]
    top_lost, top_values = lost[at, order], np.round(values[at, order], 3)
    label = np.asarray(names, dtype=object)
    items = []
    for k in range(order.shape[1]):
        v = pa.array(top_values[:, k], from_pandas=True)  # NaN → null
        item = pc.binary_join_element_wise(
            '["',
            pa.array(label[order[:, k]], pa.string()),
            '",',
            pc.fill_null(pc.cast(v, pa.string()), "null"),
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
