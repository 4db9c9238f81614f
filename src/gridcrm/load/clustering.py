"""Load patterns: daily curves clustered by shape and named by documented rules (R3).

Each curve (96 quarter-hours, kW) is divided by its mean, so clusters are of shape, not
size. KMeans (scikit-learn) clusters the shapes; **the number of clusters is chosen by
the data**: every k from 2 to ``K_MAX`` (at most n − 1) is fitted and the k with the
highest mean silhouette (Euclidean on the normalised shapes, over a random sample of at
most ``SILHOUETTE_SAMPLE`` curves) wins and is fitted on all curves. Each centroid is
then named by ``name_of``; clusters whose centroids get the same name merge.

The rules of ``name_of`` read hourly means of the normalised shape (h[0] = 00:00–01:00):

======  =====================================================================
N       night, 01:00–05:00                 M  morning, 06:00–09:00
D       day, 09:00–17:00                   E  evening, 18:00–22:00
R       largest hour ÷ smallest hour       H  hours at or above (min + max) / 2
======  =====================================================================

in this order (the first that holds gives the name):

1. ``continuous`` — R ≤ 1.3: the same load round the clock (continuous process).
2. ``night_valley`` — N ≥ D and N ≥ E: the load sits in the night valley (storage
   heating, valley-price pumping, ice storage).
3. the evening carries the day's peak (E ≥ 1.05·D and E ≥ M):
   ``household`` when a morning bump shows (M ≥ 0.75·D and M ≥ 1.4·N — people get up),
   else ``evening_business`` when E ≥ 1.15·D (restaurants, entertainment).
4. ``three_shift`` — N ≥ 0.5·D, E ≤ 1.25·D and R ≤ 3: worked round the clock with a
   daytime bump (three shifts, 24-hour business).
5. the day dominates (D ≥ 1.25·E): ``one_shift`` when the night is almost off
   (N < 0.2·D) and H ≤ 12, or when the morning is the peak (M ≥ 1.2·D, an early shift);
   else ``commercial_daytime`` (offices, shops: a plateau over a base load).
6. ``two_shift`` — 0.8·D ≤ E ≤ 1.25·D, M ≥ 0.8·D, N < 0.5·D and H ≥ 12: one plateau
   from early morning to late evening, the night off (a household's weekend, which
   starts late and has a midday hump, is not one).
7. otherwise ``unclassified``: never a name the rules do not support.

Seasonal users are named from a customer's curves across seasons (``seasonal_of``):
when the mean load of its highest season is at least ``SEASONAL_RATIO`` times that of
its lowest, it is ``seasonal_heating`` (peak in winter) or ``seasonal_irrigation``
(peak in spring or summer), whatever its daily shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext_lazy as _
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

PATTERNS = (
    "household",
    "commercial_daytime",
    "evening_business",
    "one_shift",
    "two_shift",
    "three_shift",
    "continuous",
    "night_valley",
    "seasonal_irrigation",
    "seasonal_heating",
    "unclassified",
)

PATTERN_LABELS = {
    "household": _("Household (evening peak, morning bump)"),
    "commercial_daytime": _("Commercial daytime"),
    "evening_business": _("Evening business"),
    "one_shift": _("One shift"),
    "two_shift": _("Two shifts"),
    "three_shift": _("Three shifts / 24-hour business"),
    "continuous": _("Continuous process"),
    "night_valley": _("Night / valley use"),
    "seasonal_irrigation": _("Seasonal: irrigation"),
    "seasonal_heating": _("Seasonal: heating"),
    "unclassified": _("Unclassified"),
    # names of curves stored before the rules above
    "three_shift_flat": _("Three-shift flat"),
    "daytime_single_shift": _("Daytime single shift"),
    "evening_peak": _("Evening residential peak"),
    "night_load": _("Night load"),
    "midday_peak": _("Midday peak"),
}

K_MAX = 12
SILHOUETTE_SAMPLE = 2000
SEASONAL_RATIO = 3.0
HEATING_SEASONS = frozenset({"winter"})


@dataclass(frozen=True)
class Clusters:
    labels: list[str]
    """The pattern of each input curve, in order."""
    centroids: dict[str, list[float]]
    """Normalised centroid (mean 1) per pattern found."""
    sizes: dict[str, int]
    k: int = 0
    """The number of clusters the silhouette chose (before equal names merged)."""


@dataclass(frozen=True)
class Shape:
    """The hourly features the naming rules read (see the module docstring)."""

    night: float
    morning: float
    day: float
    evening: float
    ratio: float
    hours_on: int


def normalise(curves: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    mean = curves.mean(axis=1, keepdims=True)
    mean[mean <= 0] = 1.0
    result: npt.NDArray[np.float64] = curves / mean
    return result


def shape_of(curve: npt.NDArray[np.float64]) -> Shape:
    """The features of a 96-slot (or 24-hour) curve."""
    values = np.asarray(curve, dtype=float)
    hourly = values.reshape(24, -1).mean(axis=1)
    low, high = float(hourly.min()), float(hourly.max())
    return Shape(
        night=float(hourly[1:5].mean()),
        morning=float(hourly[6:9].mean()),
        day=float(hourly[9:17].mean()),
        evening=float(hourly[18:22].mean()),
        ratio=high / max(low, 1e-9),
        hours_on=int((hourly >= (low + high) / 2).sum()),
    )


def name_of(centroid: npt.NDArray[np.float64]) -> str:
    """The pattern of a daily shape (96 slots or 24 hours), by the rules of the module
    docstring; ``"unclassified"`` when none holds."""
    s = shape_of(centroid)
    n, m, d, e = s.night, s.morning, s.day, s.evening
    if s.ratio <= 1.3:
        return "continuous"
    if n >= d and n >= e:
        return "night_valley"
    if e >= 1.05 * d and e >= m:
        if m >= 0.75 * d and m >= 1.4 * n:
            return "household"
        if e >= 1.15 * d:
            return "evening_business"
    if n >= 0.5 * d and e <= 1.25 * d and s.ratio <= 3:
        return "three_shift"
    if d >= 1.25 * e:
        if (n < 0.2 * d and s.hours_on <= 12) or m >= 1.2 * d:
            return "one_shift"
        return "commercial_daytime"
    if 0.8 * d <= e <= 1.25 * d and m >= 0.8 * d and n < 0.5 * d and s.hours_on >= 12:
        return "two_shift"
    return "unclassified"


def seasonal_of(levels: Mapping[str, float]) -> str | None:
    """``seasonal_heating`` / ``seasonal_irrigation`` when a customer's mean load by season
    (``{"winter": kW, "summer": kW, …}``, at least two seasons) swings by
    ``SEASONAL_RATIO`` or more; ``None`` otherwise."""
    if len(levels) < 2:
        return None
    high = max(levels, key=lambda season: levels[season])
    low = min(levels.values())
    if levels[high] < SEASONAL_RATIO * max(low, 1e-9):
        return None
    return "seasonal_heating" if high in HEATING_SEASONS else "seasonal_irrigation"


def clusters_choose(shapes: npt.NDArray[np.float64], *, seed: int = 0) -> KMeans:
    """KMeans with the number of clusters of the highest mean silhouette, k = 2…K_MAX."""
    n = len(shapes)
    distinct = len(np.unique(np.round(shapes, 6), axis=0))
    if n < 3 or distinct < 2:
        return KMeans(n_clusters=max(1, min(distinct, n)), n_init=1, random_state=seed).fit(shapes)
    # The search runs on a sample (silhouettes cost n²); the chosen k is fitted on all.
    rng = np.random.default_rng(seed)
    sample = shapes if n <= SILHOUETTE_SAMPLE else shapes[rng.choice(n, SILHOUETTE_SAMPLE)]
    best: tuple[float, int] | None = None
    for k in range(2, min(K_MAX, len(sample) - 1, distinct) + 1):
        labels = KMeans(n_clusters=k, n_init=2, random_state=seed).fit_predict(sample)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(sample, labels))
        if best is None or score > best[0] + 1e-9:
            best = (score, k)
    k = best[1] if best is not None else 2
    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit(shapes)


def cluster(
    curves: npt.NDArray[np.float64],
    *,
    k: int | None = None,
    seed: int = 0,
    owners: Sequence[str] | None = None,
    seasons: Sequence[str] | None = None,
) -> Clusters:
    """Named clusters of ``curves`` (n × 96, kW); ``k`` fixes the number of clusters (by
    default the silhouette chooses it). With ``owners`` and ``seasons`` (one per curve) a
    seasonal owner's curves are named by ``seasonal_of`` instead of their shape."""
    n = len(curves)
    if n == 0:
        return Clusters([], {}, {})
    raw = np.asarray(curves, dtype=float)
    shapes = normalise(raw)
    if k is None:
        model = clusters_choose(shapes, seed=seed)
    else:
        model = KMeans(n_clusters=max(1, min(k, n)), n_init=4, random_state=seed).fit(shapes)
    names = [name_of(c) for c in model.cluster_centers_]
    labels = [names[int(c)] for c in model.labels_]
    if owners is not None and seasons is not None:
        labels = _seasonal_labels(labels, raw, owners, seasons)
    centroids: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    for name in dict.fromkeys(labels):
        members = shapes[[label == name for label in labels]]
        centroids[name] = [round(float(v), 4) for v in members.mean(axis=0)]
        sizes[name] = len(members)
    return Clusters(labels, centroids, sizes, k=int(model.n_clusters))


def _seasonal_labels(
    labels: list[str],
    raw: npt.NDArray[np.float64],
    owners: Sequence[str],
    seasons: Sequence[str],
) -> list[str]:
    by_owner: dict[str, dict[str, list[float]]] = {}
    for owner, season, curve in zip(owners, seasons, raw, strict=True):
        by_owner.setdefault(owner, {}).setdefault(season, []).append(float(curve.mean()))
    seasonal = {
        owner: seasonal_of({s: float(np.mean(v)) for s, v in levels.items()})
        for owner, levels in by_owner.items()
    }
    return [seasonal[owner] or label for owner, label in zip(owners, labels, strict=True)]
