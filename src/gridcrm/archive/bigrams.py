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
