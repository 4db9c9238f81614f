"""AHP weights and consistency, the expert scorecard's versions, the data-fitted
scorecard on a small synthetic sample (scaling, metrics, out-of-time split)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from gridcrm.core.errors import Invalid, Refused
from gridcrm.credit.ahp import AHPError, ahp_weights, complete_matrix
from gridcrm.credit.expert import DEFAULT_MATRIX, expert_build
from gridcrm.credit.models import ScorecardVersion
from gridcrm.credit.scorecard import card_score, fit_scorecard, ks_statistic, psi, snapshot_days
from gridcrm.credit.services import expert_publish, models_by_segment
from gridcrm.users.models import User


def test_a_consistent_matrix_gives_its_exact_weights() -> None:
    # w = (0.6, 0.3, 0.1): a_ij = w_i / w_j is perfectly consistent
    w = [0.6, 0.3, 0.1]
    result = ahp_weights([[wi / wj for wj in w] for wi in w])

    assert result.weights == pytest.approx(w)
    assert result.cr == pytest.approx(0, abs=1e-9)


def test_the_default_judgements_are_consistent() -> None:
    _card, result = expert_build(DEFAULT_MATRIX)

    assert result.cr < 0.1
    assert sum(result.weights) == pytest.approx(1)
    assert result.weights[0] == max(result.weights)  # payment record weighs most


def test_it_rejects_a_matrix_outside_saatys_scale() -> None:
    with pytest.raises(AHPError) as refused:
        complete_matrix([[1, 12], [0, 1]])

    assert refused.value.code == "credit.ahp_invalid"


def inconsistent() -> list[list[float]]:
    # payment ≫ operation, operation ≫ compliance, but compliance ≫ payment
    m = [[1.0] * 5 for _ in range(5)]
    m[0][1], m[1][2], m[0][2] = 9, 9, 1 / 9
    return m


@pytest.mark.django_db
def test_it_refuses_judgements_with_a_consistency_ratio_above_a_tenth(manager: User) -> None:
    with pytest.raises(Invalid) as refused:
        expert_publish(matrix=inconsistent(), note="bad", acting_user=manager)

    assert refused.value.code == "credit.ahp_inconsistent"
    assert not ScorecardVersion.objects.exists()


@pytest.mark.django_db
def test_a_marketing_manager_publishes_expert_versions(manager: User, kam: User) -> None:
    first = expert_publish(matrix=DEFAULT_MATRIX, note="v1", acting_user=manager)
    second = expert_publish(matrix=DEFAULT_MATRIX, note="v2", acting_user=manager)
    with pytest.raises(Refused) as refused:
        expert_publish(matrix=DEFAULT_MATRIX, note="no", acting_user=kam)

    assert refused.value.code == "credit.not_allowed"
    assert (first.number, second.number) == (1, 2)
    assert second.detail["cr"] < 0.1
    assert {m.label for m in models_by_segment().values()} == {"expert v2"}


def synthetic(n: int = 1500, days: int = 6, seed: int = 3) -> pd.DataFrame:
    """Customers whose lateness (with noise) drives serious arrears; monthly snapshots."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(days):
        late = rng.gamma(1.0, 4.0, n)
        trend = np.maximum(rng.normal(0, 3, n), 0)
        logit = -4.0 + 0.12 * late + 0.25 * trend
        bad = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        frames.append(
            pd.DataFrame(
                {
                    "account_no": [f"{i:010d}" for i in range(n)],
                    "snapshot": date(2025, 1 + k, 1),
                    "mean_days_late_12m": late,
                    "late_trend_3m": trend,
                    "volatility_12m": rng.random(n),  # noise
                    "bad": bad,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_the_fitted_scorecard_ranks_out_of_time_and_scales_points() -> None:
    fitted = fit_scorecard(synthetic())
    report = fitted.report

    assert report.oot_days == ["2025-05-01", "2025-06-01"]
    assert report.auc_oot > 0.7
    assert report.gini_oot == pytest.approx(2 * report.auc_oot - 1)
    assert 0 < report.ks_oot < 1
    assert report.psi < 0.1  # same population every month
    assert "mean_days_late_12m" in fitted.card["variables"]
    # more days late never earns points (business-sense monotone bins)
    points = fitted.card["variables"]["mean_days_late_12m"]["points"]
    assert points == sorted(points, reverse=True)
    # cut-offs do not rise from AAA to B; grades with customers have rising arrears rates
    cut = fitted.cutoffs
    assert cut["AAA"] >= cut["AA"] >= cut["A"] >= cut["B"]
    rates = [g["bad_rate"] for g in report.grades_oot if g["customers"]]
    assert rates == sorted(rates)


def test_card_points_follow_the_bins() -> None:
    card = {
        "intercept": 10.0,
        "variables": {"x": {"splits": [1.0, 5.0], "points": [30, 20, 0], "missing": 15}},
    }
    frame = pd.DataFrame({"x": [0.0, 1.0, 4.9, 5.0, None]})

    assert card_score(card, frame).tolist() == [40, 30, 30, 10, 25]


def test_ks_and_psi() -> None:
    y = np.array([1, 1, 0, 0])
    assert ks_statistic(y, np.array([1.0, 2.0, 3.0, 4.0])) == 1.0
    same = np.linspace(0, 1, 1000)
    assert psi(same, same) == pytest.approx(0, abs=1e-9)
    assert psi(same, same + 0.5) > 0.25


def test_snapshots_leave_history_before_and_an_outcome_after() -> None:
    days = snapshot_days(date(2024, 1, 1), date(2026, 1, 15))

    assert days[0] == date(2024, 10, 1)
    assert days[-1] == date(2025, 9, 1)
