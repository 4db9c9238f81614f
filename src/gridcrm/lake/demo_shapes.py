"""Load shapes of the demo's customers: daily profiles by segment and industry, their
seasons in Shanxi, the Spring Festival dip and how much of its capacity each kind uses.

Households peak in the evening; shops and offices by day; three-shift heavy industry
(steel, chemicals, non-ferrous) is almost flat; other factories work two shifts; public
lighting burns at night; water works pump in the night valley and the morning; farms
irrigate by day in spring and summer.
"""

from __future__ import annotations

from datetime import date

import numpy as np

QUARTERS = 96

# Lunar new year's day: factories stop around it.
SPRING_FESTIVAL = {
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
}


def _hours(*ranges: tuple[float, float, float]) -> np.ndarray:
    """A 96-quarter profile from (start hour, end hour, level) ranges over a base of 0."""
    profile = np.zeros(QUARTERS)
    for start, end, level in ranges:
        profile[int(start * 4) : int(end * 4)] = level
    return profile


def _smooth(profile: np.ndarray) -> np.ndarray:
    kernel = np.array([0.15, 0.7, 0.15])
    padded = np.concatenate([profile[-1:], profile, profile[:1]])
    smooth: np.ndarray = np.convolve(padded, kernel, mode="valid")
    return smooth


# (weekday, weekend) profiles, relative to the customer's mean load.
SHAPES: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "residential": (
        _hours(
            (0, 6, 0.35), (6, 9, 0.9), (9, 17, 0.6), (17, 19, 1.2), (19, 22, 1.9), (22, 24, 0.9)
        ),
        _hours(
            (0, 7, 0.4), (7, 11, 1.1), (11, 17, 0.9), (17, 19, 1.3), (19, 22, 1.8), (22, 24, 1.0)
        ),
    ),
    "commercial": (
        _hours((0, 8, 0.25), (8, 9, 0.9), (9, 21, 1.7), (21, 23, 0.8), (23, 24, 0.3)),
        _hours((0, 9, 0.25), (9, 22, 1.5), (22, 24, 0.35)),
    ),
    "three_shift": (
        _hours((0, 8, 0.97), (8, 16, 1.03), (16, 24, 1.0)),
        _hours((0, 8, 0.95), (8, 16, 1.0), (16, 24, 0.98)),
    ),
    "two_shift": (
        _hours((0, 7, 0.3), (7, 8, 0.8), (8, 23, 1.45), (23, 24, 0.6)),
        _hours((0, 24, 0.45)),
    ),
    "office": (
        _hours((0, 7, 0.3), (7, 9, 1.0), (9, 18, 1.9), (18, 21, 0.9), (21, 24, 0.35)),
        _hours((0, 24, 0.5)),
    ),
    "lighting": (
        _hours((0, 6, 2.1), (6, 7, 1.0), (7, 18, 0.05), (18, 19, 1.2), (19, 24, 2.1)),
        _hours((0, 6, 2.1), (6, 7, 1.0), (7, 18, 0.05), (18, 19, 1.2), (19, 24, 2.1)),
    ),
    "water_works": (
        _hours((0, 6, 1.6), (6, 9, 1.4), (9, 17, 0.6), (17, 21, 0.9), (21, 24, 1.3)),
        _hours((0, 6, 1.6), (6, 9, 1.4), (9, 17, 0.6), (17, 21, 0.9), (21, 24, 1.3)),
    ),
    "farm": (
        _hours((0, 6, 0.2), (6, 19, 1.7), (19, 24, 0.3)),
        _hours((0, 6, 0.2), (6, 19, 1.7), (19, 24, 0.3)),
    ),
}
SHAPES = {
    k: (_smooth(a) / _smooth(a).mean(), _smooth(b) / _smooth(b).mean())
    for k, (a, b) in SHAPES.items()
}

# Monthly level (index 1-12) per shape: cooling in summer, heating in winter.
SEASON: dict[str, np.ndarray] = {
    "residential": np.array([0, 1.45, 1.35, 1.05, 0.9, 0.85, 1.0, 1.3, 1.3, 0.9, 0.9, 1.1, 1.45]),
    "commercial": np.array([0, 1.15, 1.1, 0.95, 0.9, 0.95, 1.1, 1.35, 1.35, 1.0, 0.9, 1.0, 1.15]),
    "three_shift": np.array([0, 1.0, 0.97, 1.0, 1.0, 1.0, 1.0, 1.03, 1.03, 1.0, 1.0, 1.0, 1.0]),
    "two_shift": np.array([0, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 1.0, 1.0, 1.0]),
    "office": np.array([0, 1.2, 1.1, 0.95, 0.85, 0.9, 1.1, 1.3, 1.3, 1.0, 0.85, 1.0, 1.2]),
    "lighting": np.array([0, 1.2, 1.1, 1.0, 0.9, 0.85, 0.8, 0.8, 0.85, 0.95, 1.05, 1.15, 1.2]),
    "water_works": np.array([0, 0.9, 0.9, 0.95, 1.0, 1.05, 1.15, 1.2, 1.2, 1.05, 0.95, 0.9, 0.9]),
    "farm": np.array([0, 0.2, 0.2, 0.6, 1.4, 1.7, 1.8, 1.6, 1.4, 0.9, 0.5, 0.3, 0.2]),
}
# The Spring Festival's effect on a day's load, by shape (±3 days around it, more on the eve).
FESTIVAL = {
    "residential": 1.25,
    "commercial": 0.6,
    "three_shift": 0.85,
    "two_shift": 0.25,
    "office": 0.3,
    "lighting": 1.0,
    "water_works": 0.95,
    "farm": 0.5,
}
# Mean load as a share of contracted capacity (kVA ≈ kW at pf 0.9).
UTILISATION = {
    "residential": 0.07,
    "commercial": 0.25,
    "three_shift": 0.6,
    "two_shift": 0.35,
    "office": 0.22,
    "lighting": 0.3,
    "water_works": 0.45,
    "farm": 0.15,
}


def shape_of(segment: str, industry_code: str) -> str:
    """The load shape of a customer, from its segment and GB/T 4754 industry."""
    code = industry_code or ""
    if segment == "residential":
        return "residential"
    if code[:3] in {"C31", "C32", "C26", "C30", "C25"}:
        return "three_shift"
    if code.startswith("C") or segment == "industrial":
        return "two_shift"
    if code.startswith("D46"):
        return "water_works"
    if code.startswith("N78") or code.startswith("N77"):
        return "lighting"
    if code.startswith("A"):
        return "farm"
    if code[:1] in {"P", "Q", "M", "L", "S", "O"} or segment == "public_utility":
        return "office"
    return "commercial"


def festival_factor(day: date, shape: str) -> float:
    eve = SPRING_FESTIVAL.get(day.year)
    if eve is None:
        return 1.0
    distance = (day - eve).days
    if -3 <= distance <= 6:
        return FESTIVAL[shape]
    return 1.0
