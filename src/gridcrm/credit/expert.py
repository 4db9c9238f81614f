"""The expert scorecard: indicator sub-scores (0–100) set by experts, grouped into five
criteria whose weights come from an AHP comparison matrix a marketing manager edits.

Compiled like the fitted scorecard (bins and points per indicator) so one pipeline
scores with either: an indicator's points are ``group weight × share in the group ×
sub-score``; the score runs from 0 to 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from gridcrm.credit.ahp import AHPResult, ahp_weights, complete_matrix


@dataclass(frozen=True)
class SubScore:
    """Sub-score of an indicator: ``scores[i]`` below ``splits[i]``, the last one above."""

    splits: tuple[float, ...]
    scores: tuple[float, ...]
    missing: float


@dataclass(frozen=True)
class Criterion:
    code: str
    label: StrOrPromise
    indicators: tuple[str, ...]


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "payment",
        _("Payment record"),
        (
            "on_time_share_12m",
            "max_days_late_12m",
            "arrears_months",
            "partial_share_12m",
            "late_trend_3m",
            "returned_payments_12m",
        ),
    ),
    Criterion(
        "operation",
        _("Operating condition"),
        ("kwh_trend_yoy_3m", "volatility_12m", "capacity_utilisation"),
    ),
    Criterion(
        "compliance",
        _("Lawful and safe use"),
        ("theft_24m", "illegal_use_12m", "hazards_open", "accidents_12m"),
    ),
    Criterion("public", _("Public credit record"), ("public_blacklisted",)),
    Criterion("stability", _("Stability"), ("tenure_months", "industry_risk")),
)

SUBSCORES: dict[str, SubScore] = {
    "on_time_share_12m": SubScore((0.5, 0.8, 0.95, 0.999), (0, 40, 70, 90, 100), 70),
    "max_days_late_12m": SubScore((1, 8, 31, 61), (100, 85, 50, 20, 0), 70),
    "arrears_months": SubScore((1, 2, 3), (100, 50, 20, 0), 100),
    "partial_share_12m": SubScore((0.01, 0.2, 0.5), (100, 60, 30, 0), 80),
    "late_trend_3m": SubScore((1, 5, 15), (100, 80, 40, 10), 100),
    "returned_payments_12m": SubScore((1, 3), (100, 40, 0), 100),
    "kwh_trend_yoy_3m": SubScore((-0.4, -0.15, 0.5), (20, 60, 100, 90), 70),
    "volatility_12m": SubScore((0.25, 0.5, 1.0), (100, 80, 50, 20), 70),
    "capacity_utilisation": SubScore((0.02, 0.1), (50, 80, 100), 80),
    "theft_24m": SubScore((1,), (100, 0), 100),
    "illegal_use_12m": SubScore((1,), (100, 0), 100),
    "hazards_open": SubScore((1,), (100, 0), 100),
    "accidents_12m": SubScore((1,), (100, 0), 100),
    "public_blacklisted": SubScore((0.5,), (100, 0), 100),
    "tenure_months": SubScore((12, 36, 60), (50, 70, 85, 100), 50),
    "industry_risk": SubScore((0.3, 0.6, 0.8), (100, 80, 50, 20), 70),
}

# The default judgements, upper triangle in CRITERIA order: payment record matters most;
# lawful and safe use next; operating condition and the public record alike; stability
# least. CR ≈ 0.02.
DEFAULT_MATRIX: list[list[float]] = [
    [1, 3, 2, 4, 5],
    [0, 1, 1 / 2, 1, 2],
    [0, 0, 1, 3, 3],
    [0, 0, 0, 1, 2],
    [0, 0, 0, 0, 1],
]
DEFAULT_CUTOFFS = {"AAA": 90.0, "AA": 80.0, "A": 70.0, "B": 60.0}


def expert_card(weights: Sequence[float]) -> dict[str, Any]:
    """The compiled card for group weights in CRITERIA order (indicators share equally)."""
    variables: dict[str, Any] = {}
    for criterion, weight in zip(CRITERIA, weights, strict=True):
        share = float(weight) / len(criterion.indicators)
        for name in criterion.indicators:
            sub = SUBSCORES[name]
            variables[name] = {
                "splits": list(sub.splits),
                "points": [round(share * s / 100, 6) for s in sub.scores],
                "missing": round(share * sub.missing / 100, 6),
            }
    return {"intercept": 0.0, "variables": variables}


def expert_build(upper: Sequence[Sequence[float]]) -> tuple[dict[str, Any], AHPResult]:
    """AHP weights of the upper-triangle judgements and the card they give (weights × 100).

    Raises ``AHPError`` for an invalid matrix; the caller refuses a CR above 0.1.
    """
    result = ahp_weights(complete_matrix(upper))
    return expert_card([100 * w for w in result.weights]), result
