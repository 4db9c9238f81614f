"""Two-character search keys (bigrams) of a customer's name and address.

A Chinese given name or a street is often searched by two characters (建国, 桃北),
which trigram indexes cannot serve. Every customer stores the distinct two-character
substrings of its name and of its address in ``Customer.search_bigrams``; on
PostgreSQL a plain GIN index on that array answers ``search_bigrams @> ARRAY['建国']``
(``selectors.customer_search``). A string of two characters is a substring of a text
exactly when it is one of the text's bigrams.

The keys are computed here, in Python, where a name or an address is written: by
``services.refresh_derived`` (every service, the four-eyes approval, import updates)
and by ``imports.Deriver`` (new customers of an import and of the demo generator).
Computing them in the index expression instead (an SQL function, migration 0004) made
building that index the largest part of a bulk import.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_NONE = np.iinfo(np.uint64).max  # no key: a pair past a text's end
_SEPARATOR = 0  # between rows of ``array_literals``' text: imported text holds no NUL
_DROPPED = 0xFFFFFFFF  # not a code point: removed before decoding


def search_bigrams(name: str, address: str) -> list[str]:
    """The distinct bigrams of the name and of the address, sorted (so that equal keys
    compare equal). Pairs across the two texts are not keys: nobody searches for them."""
    keys = {name[i : i + 2] for i in range(len(name) - 1)}
    keys.update([address[i : i + 2] for i in range(len(address) - 1)])
    return sorted(keys)


def pg_array_literal(values: Sequence[str]) -> str:
    """A PostgreSQL ``text[]`` literal (``{"ab","cd"}``) of the values, for ``COPY`` and for
    arrays of arrays of differing lengths, which PostgreSQL cannot take as a parameter."""
    if not values:
        return "{}"
    flat = "".join(values)
    if '"' in flat or "\\" in flat:
        values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
    return '{"' + '","'.join(values) + '"}'


def array_literals(names: Sequence[str], addresses: Sequence[str]) -> list[str]:
    """``pg_array_literal(search_bigrams(name, address))`` of many customers at once, for
    a bulk import, with numpy instead of a set and a sort per customer (a third of the
    time). Each text becomes its code points (UTF-32); a bigram is one 64-bit number, two
    code points side by side, so that sorting numbers sorts bigrams as Python sorts
    strings. The few rows with a quote or a backslash, which need escaping, are made
    the plain way. No text may hold a NUL (imports refuse it)."""
    count = len(names)
    pairs = np.concatenate([_pairs(names, count), _pairs(addresses, count)], axis=1)
    pairs.sort(axis=1)
    keep = pairs != _NONE
    keep[:, 1:] &= pairs[:, 1:] != pairs[:, :-1]
    keys = pairs[keep]
    counts = keep.sum(axis=1)
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    # Tokens of five code points: each key as ,"ab" ({"ab" for a row's first) and after
    # each row's keys its end: }␀ ({}␀ for a row without keys), padded with dropped ones.
    tokens = np.full((len(keys) + count, 5), _DROPPED, dtype=np.uint32)
    rows_before = np.repeat(np.arange(count), counts)
    at = np.arange(len(keys)) + rows_before
    tokens[at, 0] = ord(",")
    tokens[at, 1] = ord('"')
    tokens[at, 2] = keys >> 32
    tokens[at, 3] = keys & 0xFFFFFFFF
    tokens[at, 4] = ord('"')
    tokens[(starts + np.arange(count))[counts > 0], 0] = ord("{")
    ends = tokens[starts + counts + np.arange(count)]
    ends[:, 0] = np.where(counts > 0, ord("}"), ord("{"))
    ends[:, 1] = np.where(counts > 0, _SEPARATOR, ord("}"))
    ends[:, 2] = np.where(counts > 0, _DROPPED, _SEPARATOR)
    tokens[starts + counts + np.arange(count)] = ends
    flat = tokens.ravel()
    text = flat[flat != _DROPPED].tobytes().decode("utf-32-le")
    literals: list[str] = text.split("\0")[:count]
    quoted = (keys >> 32 == ord('"')) | (keys >> 32 == ord("\\"))
    quoted |= ((keys & 0xFFFFFFFF) == ord('"')) | ((keys & 0xFFFFFFFF) == ord("\\"))
    for row in np.unique(rows_before[quoted]).tolist():
        literals[row] = pg_array_literal(search_bigrams(names[row], addresses[row]))
    return literals


def _pairs(texts: Sequence[str], count: int) -> np.ndarray:
    """Each text's bigrams as numbers (``_NONE`` past its end), a row per text."""
    codes = np.array(texts, dtype=str)
    width = codes.dtype.itemsize // 4
    if width < 2:
        return np.full((count, 0), _NONE, dtype=np.uint64)
    points = codes.view(np.uint32).reshape(count, width).astype(np.uint64)
    pairs = (points[:, :-1] << np.uint64(32)) | points[:, 1:]
    pairs[points[:, 1:] == 0] = _NONE
    return pairs
