"""The scorecard's card as a typed shape.

A card is what every engine scores with: an intercept and, per indicator, the bin edges
(``splits``), the points of each bin (one more than the splits) and the points of a
missing value. It is stored as JSON on ``ScorecardVersion.card``; services read and
write it as ``Card``, and hand the plain dict (``Card.as_json``) to the pipelines and
to ``scorecard.py``, which keep taking dicts. Keys a variable carries beyond these (the
fit's ``iv`` and ``woe``, categories) are kept as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from gridcrm.credit.errors import CreditInvalid


class CardVariable(pydantic.BaseModel):
    """One indicator of a card: points by bin, and for a missing value."""

    model_config = pydantic.ConfigDict(extra="allow", frozen=True)

    splits: list[Any]
    points: list[float]
    missing: float

    @pydantic.model_validator(mode="after")
    def _one_more_bin_than_splits(self) -> CardVariable:
        if len(self.points) != len(self.splits) + 1:
            raise ValueError("a card variable needs one more point than splits")
        return self

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
