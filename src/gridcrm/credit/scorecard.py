"""The data-fitted scorecard: optimal binning with weight of evidence (``optbinning``),
logistic regression on the WoE values, points scaled at fixed odds, validated out of time.

The sample is a stack of monthly snapshots: for each observation day the indicators as
of that day (``pipelines.credit_indicators``) and whether the customer fell into serious
arrears in the following 12 months (``pipelines.serious_arrears_outcome``; the window is
cut where the data end). The latest snapshots are held out — *out of time* — and the
model is judged on them: AUC, KS, Gini and the population stability index (PSI) of the
score between the development and the out-of-time samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from gridcrm.credit.pipelines import INDICATORS
from gridcrm.lake.pipelines import months_before

# Indicators the fit may choose from. Tenure is left out: in a stack of snapshots it
# grows with the observation day, so it would learn the calendar of the sample rather
# than the customers (it enters through the new-customer rule and the expert card).
FITTED_CANDIDATES = tuple(i for i in INDICATORS if i != "tenure_months")

# Business sense fixes the direction of each indicator's risk, so that the fit cannot
# reward, say, paying late because the late payers of one sample happened not to default:
# "ascending" — the bad rate rises with the value; "descending" — it falls.
MONOTONE: dict[str, str] = {
    "on_time_share_12m": "descending",
    "mean_days_late_12m": "ascending",
    "max_days_late_12m": "ascending",
    "late_trend_3m": "ascending",
    "arrears_months": "ascending",
    "arrears_ratio": "ascending",
    "partial_share_12m": "ascending",
    "returned_payments_12m": "ascending",
    "kwh_trend_yoy_3m": "descending",
    "kwh_trend_3m": "descending",
    "volatility_12m": "ascending",
    "capacity_utilisation": "auto_asc_desc",
    "theft_24m": "ascending",
    "illegal_use_12m": "ascending",
    "accidents_12m": "ascending",
    "hazards_open": "ascending",
    "public_blacklisted": "ascending",
    "industry_risk": "ascending",
    "tenure_months": "descending",
}

PDO = 20.0  # points to double the odds
BASE_SCORE = 600.0
BASE_ODDS = 50.0  # good : bad at the base score
# Grades given to k score bands, worst first (see ``default_cutoffs``).
BAND_GRADES = {
    1: ("A",),
    2: ("C", "A"),
    3: ("C", "A", "AAA"),
    4: ("C", "B", "A", "AAA"),
    5: ("C", "B", "A", "AA", "AAA"),
}
MIN_BAND_SHARE = 0.02


class FitError(ValueError):
    """The sample cannot give a model (too small, one class only, no usable indicator)."""


def snapshot_days(
    first_period: date, until: date, *, min_history: int = 9, min_performance: int = 4
) -> list[date]:
    """Monthly observation days with at least ``min_history`` months of bills before them
    and ``min_performance`` months of outcome after them (a bill issued after the day
    takes about four months to become 60 days past due)."""
    day = months_before(date(first_period.year, first_period.month, 1), -min_history)
    last = months_before(until, min_performance)
    out = []
    while day <= last:
        out.append(day)
        day = months_before(day, -1)
    return out


@dataclass
class FitReport:
    """What the model report page shows."""

    n_train: int
    n_oot: int
    bad_rate_train: float
    bad_rate_oot: float
    train_days: list[str]
    oot_days: list[str]
    auc_train: float
    auc_oot: float
    ks_oot: float
    gini_oot: float
    psi: float
    variables: list[dict[str, Any]]
    roc: dict[str, list[float]]
    ks_curve: dict[str, list[float]]
    score_hist: dict[str, list[float]]
    grades_oot: list[dict[str, Any]]
    truth: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FittedCard:
    card: dict[str, Any]
    cutoffs: dict[str, float]
    report: FitReport


def roc_auc(y: np.ndarray, risk: np.ndarray) -> float:
    """Area under the ROC curve of ``risk`` (higher = riskier) for the outcome ``y``."""
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return float("nan")
    return float(roc_auc_score(y, risk))


def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the score CDFs of bads and goods.

    The CDFs are compared only at distinct scores (all rows of a tied score step together),
    so ties cannot open a gap and the order of the rows does not matter; equal to
    ``scipy.stats.ks_2samp(bad_scores, good_scores).statistic``. NaN without both classes."""
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    bads, goods = float(y.sum()), float(len(y) - y.sum())
    if bads == 0 or goods == 0:
        return float("nan")
    _values, at = np.unique(score, return_inverse=True)
    bad_cdf = np.cumsum(np.bincount(at, weights=y)) / bads
    good_cdf = np.cumsum(np.bincount(at, weights=1 - y)) / goods
    return float(np.max(np.abs(bad_cdf - good_cdf)))


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected``, on the deciles of
    ``expected``: Σ (a − e) · ln(a / e), shares floored at 0.0001."""
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1)
    es = np.maximum(e / max(e.sum(), 1), 1e-4)
    acts = np.maximum(a / max(a.sum(), 1), 1e-4)
    return float(np.sum((acts - es) * np.log(acts / es)))


def score_to_pd(score: float, *, pdo: float = PDO, base: float = BASE_SCORE) -> float:
    odds = BASE_ODDS * 2 ** ((score - base) / pdo)
    return 1 / (1 + odds)


def _grade(score: np.ndarray, cutoffs: dict[str, float]) -> np.ndarray:
    out = np.full(score.shape, "C", dtype=object)
    for grade in ("B", "A", "AA", "AAA"):
        out[score >= cutoffs[grade]] = grade
    return out


def default_cutoffs(score: np.ndarray, bad: np.ndarray) -> dict[str, float]:
    """Cut-offs from an optimal binning of the development scores into at most five
    bands whose real arrears rates fall strictly from band to band, each with at least
    2 % of the customers; the bands become grades from C upwards (``BAND_GRADES``). With
    fewer than five bands the grades between start empty (a cut-off equal to the next
    one's) until a manager sets other cut-offs."""
    from optbinning import OptimalBinning

    banding = OptimalBinning(
        dtype="numerical",
        monotonic_trend="descending",
        max_n_bins=5,
        min_bin_size=MIN_BAND_SHARE,
    )
    banding.fit(score, bad)
    splits = [round(float(x), 1) for x in banding.splits]
    grades = BAND_GRADES[len(splits) + 1]
    # the lowest score of each band above the worst
    lowest = dict(zip(grades[1:], splits, strict=True))
    cutoffs: dict[str, float] = {}
    above = float(max(score.max(), splits[-1] if splits else 0) + 1)
    for grade in ("AAA", "AA", "A", "B"):
        cutoffs[grade] = lowest.get(grade, above)
        above = cutoffs[grade]
    return cutoffs


def is_categorical(column: pd.Series) -> bool:
    """Text or category columns are binned as categories (optbinning's categorical dtype)."""
    return not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _compile(scorecard: Any, names: Sequence[str]) -> dict[str, Any]:
    """Bins and points of each selected indicator, from optbinning's scorecard table.

    A numerical indicator has ``splits`` (bins left-closed); a categorical one has
    ``categories``, the categories of each bin (``points[i]`` for ``categories[i]``), and a
    category the fit never saw scores ``missing``."""
    table = scorecard.table(style="detailed")
    variables: dict[str, Any] = {}
    bp = scorecard.binning_process_
    for name in names:
        rows = table[table["Variable"] == name]
        optb = bp.get_binned_variable(name)
        bins = rows["Bin"].map(_bin_label)
        regular = rows[~bins.isin(["Special", "Missing"])]
        points = [float(p) for p in regular["Points"].tolist()]
        missing = float(rows[bins == "Missing"]["Points"].iloc[0])
        spec: dict[str, Any]
        if optb.dtype == "categorical":
            categories = [sorted(str(c) for c in group) for group in optb.splits]
            if len(points) != len(categories):
                raise FitError(f"unexpected binning table for {name}")
            spec = {"categories": categories}
        else:
            spec = {"splits": [round(float(x), 4) for x in optb.splits]}
            if len(points) != len(spec["splits"]) + 1:
                raise FitError(f"unexpected binning table for {name}")
        variables[name] = {
            **spec,
            "points": [round(p, 4) for p in points],
            "missing": round(missing, 4),
            "iv": float(optb.binning_table.iv),
            "woe": [float(w) for w in optb.binning_table.build()["WoE"].iloc[: len(points)]],
        }
    return {"intercept": 0.0, "variables": variables}


def _bin_label(value: Any) -> str:
    # A categorical bin is an array of categories: never "Special" or "Missing" (comparing
    # it with a string was the TypeError of categorical indicators).
    return value if isinstance(value, str) else ""


def card_score(card: dict[str, Any], frame: pd.DataFrame) -> np.ndarray:
    """Score rows with a compiled card in numpy (the reference for the Ibis scorer)."""
    total = np.full(len(frame), float(card["intercept"]))
    for name, spec in card["variables"].items():
        if "categories" in spec:
            total += _category_points(spec, frame[name])
            continue
        x = frame[name].to_numpy(dtype=float)
        idx = np.searchsorted(np.asarray(spec["splits"], dtype=float), x, side="right")
        pts = np.asarray(spec["points"], dtype=float)[np.minimum(idx, len(spec["points"]) - 1)]
        total += np.where(np.isnan(x), float(spec["missing"]), pts)
    return total


def _category_points(spec: dict[str, Any], column: pd.Series) -> np.ndarray:
    """Points of each row's category; ``missing`` for null and for unseen categories."""
    points = {
        category: float(p)
        for group, p in zip(spec["categories"], spec["points"], strict=True)
        for category in group
    }
    missing = float(spec["missing"])
    return np.array(
        [missing if pd.isna(v) else points.get(str(v), missing) for v in column], dtype=float
    )


def _fit_signed(
    train: pd.DataFrame, y: np.ndarray, names: list[str], min_iv: float
) -> tuple[Any, list[str]]:
    """Bin, select by IV, regress; then drop any indicator whose coefficient has the wrong
    sign (more risk earning points, which collinear indicators can cause) and refit."""
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    names = list(names)
    while True:
        categorical = [n for n in names if is_categorical(train[n])]
        params = {
            n: {"monotonic_trend": MONOTONE.get(n, "auto_asc_desc")}
            for n in names
            if n not in categorical
        }
        process = BinningProcess(
            names,
            categorical_variables=categorical or None,
            min_prebin_size=0.02,
            selection_criteria={"iv": {"min": min_iv}},
            binning_fit_params=params,
        )
        scorecard = Scorecard(
            binning_process=process,
            estimator=LogisticRegression(max_iter=1000),
            scaling_method="pdo_odds",
            scaling_method_params={
                "pdo": PDO,
                "odds": BASE_ODDS,
                "scorecard_points": BASE_SCORE,
            },
        )
        scorecard.fit(train[names], y)
        fitted = scorecard.binning_process_
        selected = [n for n in names if n in set(fitted.get_support(names=True))]
        if not selected:
            raise FitError("no indicator carries information")
        # WoE is high where arrears are rare, so every coefficient must be negative.
        coefs = dict(zip(selected, scorecard.estimator_.coef_[0], strict=True))
        wrong = [n for n, c in coefs.items() if c > 0]
        if not wrong:
            return scorecard, selected
        names.remove(max(wrong, key=lambda n: coefs[n]))


def fit_scorecard(
    sample: pd.DataFrame,
    *,
    oot_share: float = 1 / 3,
    candidates: Sequence[str] = FITTED_CANDIDATES,
    min_iv: float = 0.02,
) -> FittedCard:
    """Fit on the earlier snapshots of ``sample`` (columns: ``snapshot``, ``bad`` and the
    indicators), validate on the later ones. Deterministic for a given sample."""
    days = sorted(sample["snapshot"].unique())
    if len(days) < 2:
        raise FitError("at least two observation days are needed for an out-of-time test")
    n_oot = max(1, round(len(days) * oot_share))
    oot_days, train_days = days[-n_oot:], days[:-n_oot]
    train = sample[sample["snapshot"].isin(train_days)]
    oot = sample[sample["snapshot"].isin(oot_days)]
    y_train = train["bad"].to_numpy(dtype=int)
    if y_train.sum() < 5 or y_train.sum() == len(y_train):
        raise FitError("the development sample needs both good and bad customers")
    names = [c for c in candidates if c in train and train[c].nunique(dropna=True) > 1]
    if not names:
        raise FitError("no indicator varies in the development sample")
    scorecard, selected = _fit_signed(train, y_train, names, min_iv)
    card = _compile(scorecard, selected)

    s_train = card_score(card, train)
    s_oot = card_score(card, oot)
    y_oot = oot["bad"].to_numpy(dtype=int)
    cutoffs = default_cutoffs(s_train, y_train)
    report = _report(card, cutoffs, train, oot, train_days, oot_days, s_train, s_oot)
    auc_train = roc_auc(y_train, -s_train)
    report.auc_train = auc_train
    report.auc_oot = roc_auc(y_oot, -s_oot)
    report.ks_oot = ks_statistic(y_oot, s_oot)
    report.gini_oot = 2 * report.auc_oot - 1
    return FittedCard(card=card, cutoffs=cutoffs, report=report)


def _report(
    card: dict[str, Any],
    cutoffs: dict[str, float],
    train: pd.DataFrame,
    oot: pd.DataFrame,
    train_days: Sequence[Any],
    oot_days: Sequence[Any],
    s_train: np.ndarray,
    s_oot: np.ndarray,
) -> FitReport:
    from sklearn.metrics import roc_curve

    y_oot = oot["bad"].to_numpy(dtype=int)
    fpr, tpr, _ = roc_curve(y_oot, -s_oot) if y_oot.any() else ([0.0, 1.0], [0.0, 1.0], None)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    order = np.sort(s_oot)
    qs = np.linspace(0, 1, 101)
    at = np.quantile(order, qs) if len(order) else qs
    bad_s, good_s = s_oot[y_oot == 1], s_oot[y_oot == 0]

    def cdf(values: np.ndarray) -> list[float]:
        if not len(values):
            return [0.0] * len(at)
        return [round(float((values <= x).mean()), 4) for x in at]

    lo, hi = (
        float(np.floor(min(s_oot.min(), s_train.min()))),
        float(np.ceil(max(s_oot.max(), s_train.max()))),
    )
    edges = np.linspace(lo, hi, 31)
    grades = _grade(s_oot, cutoffs)
    grade_rows = []
    for grade in ("AAA", "AA", "A", "B", "C"):
        mask = grades == grade
        n = int(mask.sum())
        grade_rows.append(
            {
                "grade": grade,
                "customers": n,
                "bad_rate": round(float(y_oot[mask].mean()), 4) if n else None,
            }
        )
    variables = [
        {
            "name": name,
            "iv": round(spec["iv"], 4),
            # a categorical indicator's bins read "a / b" (its categories)
            "splits": spec.get("splits") or [" / ".join(g) for g in spec["categories"]],
            "points": spec["points"],
            "woe": [round(w, 4) for w in spec["woe"]],
        }
        for name, spec in sorted(card["variables"].items(), key=lambda kv: -kv[1]["iv"])
    ]
    return FitReport(
        n_train=len(train),
        n_oot=len(oot),
        bad_rate_train=round(float(train["bad"].mean()), 4),
        bad_rate_oot=round(float(oot["bad"].mean()), 4),
        train_days=[str(d)[:10] for d in train_days],
        oot_days=[str(d)[:10] for d in oot_days],
        auc_train=math.nan,
        auc_oot=math.nan,
        ks_oot=math.nan,
        gini_oot=math.nan,
        psi=round(psi(s_train, s_oot), 4),
        variables=variables,
        roc={
            "fpr": [round(float(v), 4) for v in np.asarray(fpr)[keep]],
            "tpr": [round(float(v), 4) for v in np.asarray(tpr)[keep]],
        },
        ks_curve={
            "score": [round(float(v), 1) for v in at],
            "bad": cdf(bad_s),
            "good": cdf(good_s),
        },
        score_hist={
            "edges": [round(float(e), 1) for e in edges],
            "good": np.histogram(good_s, bins=edges)[0].tolist(),
            "bad": np.histogram(bad_s, bins=edges)[0].tolist(),
        },
        grades_oot=grade_rows,
    )
