"""The scorecard's card as a typed shape.

A card is what every engine scores with: an intercept and, per indicator, the bin edges
(``splits``), the points of each bin (one more than the splits) and the points of a
missing value. A categorical indicator has ``categories`` instead of ``splits``: the
categories of each bin (``points[i]`` for ``categories[i]``); a category no bin names
scores ``missing``, as a missing value does. It is stored as JSON on
``ScorecardVersion.card``; services read and write it as ``Card``, and hand the plain
dict (``Card.as_json``) to the pipelines and to ``scorecard.py``, which keep taking
dicts. Keys a variable carries beyond these (the fit's ``iv`` and ``woe``) are kept as
they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from gridcrm.credit.errors import CreditInvalid


class CardVariable(pydantic.BaseModel):
    """One indicator of a card: points by bin, and for a missing value. Numeric bins have
    ``splits``, categorical ones ``categories``; never both."""

    model_config = pydantic.ConfigDict(extra="allow", frozen=True)

    splits: list[Any] | None = None
    categories: list[list[str]] | None = None
    points: list[float]
    missing: float

    @pydantic.model_validator(mode="after")
    def _points_match_bins(self) -> CardVariable:
        if (self.splits is None) == (self.categories is None):
            raise ValueError("a card variable needs either splits or categories")
        if self.categories is not None:
            if len(self.points) != len(self.categories):
                raise ValueError("a categorical card variable needs one point per bin")
            seen = [c for group in self.categories for c in group]
            if len(seen) != len(set(seen)):
                raise ValueError("a category may stand in one bin only")
        elif self.splits is not None and len(self.points) != len(self.splits) + 1:
            raise ValueError("a card variable needs one more point than splits")
        return self

    @pydantic.model_serializer(mode="wrap")
    def _without_the_other_kind(
        self, handler: pydantic.SerializerFunctionWrapHandler
    ) -> dict[str, Any]:
        # A numeric variable is stored without ``categories``, a categorical one without
        # ``splits``: the scorers tell them apart by the key.
        data: dict[str, Any] = handler(self)
        for key in ("splits", "categories"):
            if data.get(key) is None:
                data.pop(key, None)
        return data

    @property
    def is_categorical(self) -> bool:
        return self.categories is not None

    @property
    def best(self) -> float:
        """The most points this indicator can give (what a customer loses from)."""
        return max([*self.points, self.missing])


class Card(pydantic.BaseModel):
    """A compiled scorecard: ``intercept`` + the points of each variable's bin."""

    model_config = pydantic.ConfigDict(frozen=True)

    intercept: float = 0.0
    variables: dict[str, CardVariable] = pydantic.Field(default_factory=dict)

    @classmethod
    def of(cls, raw: Mapping[str, Any] | Card) -> Card:
        """The card of a stored or compiled dict; ``Invalid`` (``credit.card_invalid``)
        when it has not the shape."""
        if isinstance(raw, Card):
            return raw
        try:
            return cls.model_validate(dict(raw))
        except pydantic.ValidationError as exc:
            raise CreditInvalid(str(exc), code="credit.card_invalid") from exc

    def as_json(self) -> dict[str, Any]:
        """The plain dict stored and handed to the pipelines (extra keys included)."""
        return self.model_dump(mode="json")
