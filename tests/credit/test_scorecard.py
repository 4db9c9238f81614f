"""The fitted scorecard with a categorical indicator, and KS with ties (issue 21)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp  # type: ignore[import-untyped]  # scipy ships no stubs

from gridcrm.credit.scorecard import card_score, fit_scorecard, ks_statistic

CHANNELS = {"bank_debit": -1.2, "counter": 0.0, "mobile": -0.4, "cash_collector": 1.3}


def sample_with_a_channel(n: int = 1500, days: int = 6, seed: int = 5) -> pd.DataFrame:
    """Lateness and the payment channel (text) drive serious arrears; monthly snapshots."""
    rng = np.random.default_rng(seed)
    names = list(CHANNELS)
    frames = []
    for k in range(days):
        late = rng.gamma(1.0, 4.0, n)
        channel = rng.choice(names, n, p=[0.4, 0.25, 0.25, 0.1])
        effect = np.array([CHANNELS[c] for c in channel])
        logit = -3.6 + 0.1 * late + effect
        bad = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        frames.append(
            pd.DataFrame(
                {
                    "snapshot": pd.Timestamp(2025, 1 + k, 1),
                    "mean_days_late_12m": late,
                    "payment_channel": channel,
                    "bad": bad,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_a_categorical_indicator_is_binned_with_its_own_woe() -> None:
    sample = sample_with_a_channel()

    fitted = fit_scorecard(sample, candidates=("mean_days_late_12m", "payment_channel"))

    spec = fitted.card["variables"]["payment_channel"]
    assert "splits" not in spec
    assert sorted(c for group in spec["categories"] for c in group) == sorted(CHANNELS)
    assert len(spec["points"]) == len(spec["categories"]) == len(spec["woe"])
    points = {
        c: p for group, p in zip(spec["categories"], spec["points"], strict=True) for c in group
    }
    # the riskiest channel earns the fewest points, the safest the most
    assert points["cash_collector"] == min(points.values())
    assert points["bank_debit"] == max(points.values())
    assert fitted.report.auc_oot > 0.6
    # a category never seen in the fit scores as missing
    frame = pd.DataFrame({"mean_days_late_12m": [1.0, 1.0], "payment_channel": ["bank_debit", "?"]})
    scores = card_score(fitted.card, frame)
    late_points = card_score(
        {
            "intercept": 0.0,
            "variables": {"mean_days_late_12m": fitted.card["variables"]["mean_days_late_12m"]},
        },
        frame,
    )
    assert scores[1] - late_points[1] == pytest.approx(spec["missing"])
    assert scores[0] - late_points[0] == pytest.approx(points["bank_debit"])


def test_four_equal_scores_give_a_ks_of_zero() -> None:
    assert ks_statistic(np.array([1, 1, 0, 0]), np.array([5.0, 5.0, 5.0, 5.0])) == 0.0
    assert ks_statistic(np.array([1, 1, 0, 0]), np.array([1.0, 2.0, 3.0, 4.0])) == 1.0


@pytest.mark.parametrize("seed", range(5))
def test_ks_matches_scipy_on_random_scores_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    score = rng.integers(0, 12, n).astype(float) * 10  # coarse points: many ties
    y = (rng.random(n) < 0.15 + 0.04 * (score / 10 < 4)).astype(int)

    expected = ks_2samp(score[y == 1], score[y == 0]).statistic

    assert ks_statistic(y, score) == pytest.approx(expected, abs=1e-12)
    shuffled = rng.permutation(n)
    assert ks_statistic(y[shuffled], score[shuffled]) == pytest.approx(expected, abs=1e-12)


def test_ks_without_both_classes_is_not_a_number() -> None:
    assert np.isnan(ks_statistic(np.array([0, 0, 0]), np.array([1.0, 2.0, 3.0])))
