"""Clustering of normalised daily curves into named load patterns (R3).

Each curve is divided by its mean, so the clusters are of shape, not size; KMeans
(scikit-learn) finds the centroids and each centroid gets the name of the pattern
its shape shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans

PATTERNS = (
    "three_shift_flat",
    "daytime_single_shift",
    "two_shift",
    "evening_peak",
    "night_load",
    "midday_peak",
)


@dataclass(frozen=True)
class Clusters:
    labels: list[str]
    """The pattern of each input curve, in order."""
    centroids: dict[str, list[float]]
    """Normalised centroid (mean 1) per pattern found."""
    sizes: dict[str, int]


def normalise(curves: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    mean = curves.mean(axis=1, keepdims=True)
    mean[mean <= 0] = 1.0
    result: npt.NDArray[np.float64] = curves / mean
    return result


def name_of(centroid: npt.NDArray[np.float64]) -> str:
    """The pattern of a normalised 96-slot shape."""
    hours = np.arange(96) / 4
    night = centroid[(hours < 6) | (hours >= 22)].mean()
    day = centroid[(hours >= 8) & (hours < 17)].mean()
    evening = centroid[(hours >= 18) & (hours < 22)].mean()
    midday = centroid[(hours >= 10) & (hours < 15)].mean()
    if centroid.max() / max(centroid.min(), 1e-9) < 1.4:
        return "three_shift_flat"
    if night > day and night > evening:
        return "night_load"
    if evening > 1.25 * day and evening > night:
        return "evening_peak"
    if day > 1.3 * evening and night < 0.6:
        return "daytime_single_shift" if evening < 0.8 else "midday_peak"
    if midday > evening:
        return "midday_peak"
    return "two_shift"


def cluster(curves: npt.NDArray[np.float64], *, k: int = 5, seed: int = 0) -> Clusters:
    """Named clusters of ``curves`` (n × 96, kW). Patterns whose centroids get the same
    name merge."""
    n = len(curves)
    if n == 0:
        return Clusters([], {}, {})
    shapes = normalise(np.asarray(curves, dtype=float))
    k = max(1, min(k, n))
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(shapes)
    names = [name_of(c) for c in model.cluster_centers_]
    labels = [names[int(c)] for c in model.labels_]
    centroids: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    for name in dict.fromkeys(names):
        members = shapes[[label == name for label in labels]]
        centroids[name] = [round(float(v), 4) for v in members.mean(axis=0)]
        sizes[name] = len(members)
    return Clusters(labels, centroids, sizes)
