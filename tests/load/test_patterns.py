"""Load patterns: named by documented rules on curves made to each shape, clustered with
the number of clusters chosen by the data, checked against the BDEW standard profiles."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from gridcrm.load.clustering import cluster, name_of, seasonal_of, shape_of
from tests.load.shapes import SHAPES, hourly, noisy, slots

BDEW = Path(__file__).with_name("bdew_slp_hourly.csv")

# What a planner calls each BDEW profile's working day (docs/load.md, "Load patterns").
BDEW_EXPECTED: dict[str, set[str]] = {
    "H0": {"household"},
    "G0": {"commercial_daytime"},  # trade and commerce in general
    "G1": {"one_shift", "commercial_daytime"},  # weekdays 08–18
    "G2": {"evening_business"},  # mainly evening consumption
    "G3": {"three_shift", "continuous"},  # continuous business
    "G4": {"commercial_daytime"},  # shops, hairdressers
    "G5": {"one_shift"},  # bakery: an early shift from 03:00
    "G6": {"evening_business"},  # weekend business: on a weekday, midday and evening
    "L0": {"household"},  # farms: the household with the morning and evening work
    "L1": {"household"},  # farms with dairy: milking at 06–09 and 17–20
    "L2": {"household"},  # other farms
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_pattern_is_named_on_a_curve_of_its_shape(name: str) -> None:
    assert name_of(slots(SHAPES[name])) == name
    rng = np.random.default_rng(7)
    assert {name_of(noisy(name, rng)) for _ in range(20)} == {name}


@pytest.mark.parametrize("evening_over_day", [1.1, 1.2, 1.3, 1.4])
def test_a_household_with_a_modest_evening_peak_is_a_household_not_two_shifts(
    evening_over_day: float,
) -> None:
    day = 0.9
    curve = hourly(
        {(6, 9): 0.95, (9, 17): day, (17, 18): 1.0, (18, 22): day * evening_over_day}, 0.45
    )
    shape = shape_of(curve)
    assert shape.evening / shape.day == pytest.approx(evening_over_day)

    assert name_of(slots(curve)) == "household"


def test_a_24_hour_business_with_a_daytime_bump_is_three_shifts_not_a_midday_peak() -> None:
    curve = hourly({(7, 8): 1.0, (8, 18): 1.3, (18, 20): 1.0}, 0.7)
    assert shape_of(curve).ratio == pytest.approx(1.857, abs=0.01)

    assert name_of(slots(curve)) in {"three_shift", "continuous"}


def test_a_commercial_daytime_plateau_is_commercial_daytime() -> None:
    plateau = hourly({(8, 9): 0.8, (9, 18): 1.6, (18, 19): 0.8}, 0.35)

    assert name_of(slots(plateau)) in {"commercial_daytime", "one_shift"}


def test_a_shape_the_rules_do_not_support_is_unclassified() -> None:
    # a high night, an empty morning, day and evening alike: no planner's pattern
    odd = hourly({(0, 6): 0.6, (6, 9): 0.3, (9, 17): 1.0, (17, 22): 1.1, (22, 24): 0.6}, 0.6)

    assert name_of(slots(odd)) == "unclassified"


def test_seasonal_users_are_named_by_the_swing_between_seasons() -> None:
    assert seasonal_of({"winter": 90.0, "summer": 10.0, "spring": 20.0}) == "seasonal_heating"
    assert seasonal_of({"winter": 5.0, "summer": 60.0, "spring": 40.0}) == "seasonal_irrigation"
    assert seasonal_of({"winter": 50.0, "summer": 40.0}) is None
    assert seasonal_of({"summer": 40.0}) is None


def test_a_seasonal_owner_is_named_seasonal_whatever_its_daily_shape() -> None:
    rng = np.random.default_rng(3)
    curves = np.vstack(
        [
            noisy("one_shift", rng, scale=100),  # a pump station in summer
            noisy("one_shift", rng, scale=5),  # and in winter
            noisy("one_shift", rng, scale=100),  # a factory all year
            noisy("one_shift", rng, scale=90),
        ]
    )
    result = cluster(
        curves,
        owners=["pump", "pump", "factory", "factory"],
        seasons=["summer", "winter", "summer", "winter"],
    )

    assert result.labels == ["seasonal_irrigation", "seasonal_irrigation", "one_shift", "one_shift"]


def test_the_number_of_clusters_is_chosen_by_the_data() -> None:
    rng = np.random.default_rng(0)
    three = ["household", "one_shift", "night_valley"]
    eight = sorted(SHAPES)

    few = cluster(np.vstack([noisy(n, rng) for n in three for _ in range(12)]))
    many = cluster(np.vstack([noisy(n, rng) for n in eight for _ in range(12)]))

    assert few.k == 3
    assert many.k == 8
    assert many.labels == [n for n in eight for _ in range(12)]
    assert many.sizes == {n: 12 for n in eight}


def test_unequal_groups_keep_their_names() -> None:
    rng = np.random.default_rng(1)
    counts = {"household": 120, "commercial_daytime": 25, "one_shift": 15, "night_valley": 4}
    truth = [n for n, c in counts.items() for _ in range(c)]

    result = cluster(np.vstack([noisy(n, rng) for n in truth]))

    assert result.labels == truth


def bdew_workdays() -> list[tuple[str, str, np.ndarray]]:
    with BDEW.open(encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        return [
            (row[0], row[1], np.array([float(v) for v in row[3:]]))
            for row in rows
            if row[2] == "workday"
        ]


def test_the_rules_agree_with_every_bdew_working_day_profile() -> None:
    profiles = bdew_workdays()
    assert len(profiles) == 33  # 11 profiles × winter, summer, transition

    named = {(p, period): name_of(slots(h)) for p, period, h in profiles}

    disagree = {key: name for key, name in named.items() if name not in BDEW_EXPECTED[key[0]]}
    assert disagree == {}


def test_clustering_the_bdew_working_days_keeps_every_profile_in_its_pattern() -> None:
    profiles = bdew_workdays()

    result = cluster(np.vstack([slots(h) for _p, _period, h in profiles]))

    agree = sum(
        label in BDEW_EXPECTED[p]
        for (p, _period, _h), label in zip(profiles, result.labels, strict=True)
    )
    assert agree == len(profiles)
    assert result.k >= 5
