"""Daily load curves made to each pattern's shape (24 hourly levels, repeated to 96 slots)."""

from __future__ import annotations

import numpy as np


def hourly(levels: dict[tuple[int, int], float], base: float) -> np.ndarray:
    """``base`` everywhere, ``level`` in each hour span [start, end)."""
    h = np.full(24, base)
    for (start, end), level in levels.items():
        h[start:end] = level
    return h


SHAPES: dict[str, np.ndarray] = {
    # low at night, a morning bump at 6–9, the evening peak 1.3 × the day
    "household": hourly(
        {(6, 9): 0.95, (9, 17): 0.9, (17, 18): 1.0, (18, 22): 1.2, (22, 24): 0.7}, 0.45
    ),
    # shops and offices: a plateau 9–21 over a base load, no lunch break
    "commercial_daytime": hourly({(8, 9): 0.9, (9, 18): 1.5, (18, 21): 1.0, (21, 22): 0.7}, 0.4),
    # restaurants: little in the morning, busy 17–23
    "evening_business": hourly({(10, 17): 0.9, (17, 23): 1.8, (23, 24): 0.9}, 0.3),
    # a factory's day shift with a lunch break
    "one_shift": hourly({(8, 12): 2.4, (12, 13): 1.6, (13, 17): 2.4}, 0.1),
    # 06–22 at one level, the night off
    "two_shift": hourly({(6, 22): 1.4}, 0.2),
    # round the clock with a daytime bump, max / min ≈ 1.85
    "three_shift": hourly({(8, 18): 1.3}, 0.7),
    # a continuous process
    "continuous": hourly({(8, 20): 1.05}, 0.97),
    # storage heating / valley pumping: 23–07
    "night_valley": hourly({(0, 7): 2.0, (23, 24): 2.0}, 0.4),
}


def slots(h: np.ndarray) -> np.ndarray:
    return np.repeat(h, 4)


def noisy(name: str, rng: np.random.Generator, *, scale: float | None = None) -> np.ndarray:
    """One customer's curve of the pattern: any size, 3 % noise per slot."""
    size = scale if scale is not None else rng.uniform(5, 500)
    return slots(SHAPES[name]) * size * rng.lognormal(0, 0.03, 96)
