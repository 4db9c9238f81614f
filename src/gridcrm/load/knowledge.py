"""What the planner needs to know of a customer's load (R3), from the archive and the
declared production data: protection class, harm weight, expected curve, blocks of load
that can move or be shed. Pure functions of rows already loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from gridcrm.load.models import ProductionProfile, Protection, TypicalCurve

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer

# 单位电量产值 (yuan of output per kWh) by GB/T 4754 prefix, when nothing is declared:
# low-value energy-intensive industries are limited before high-value ones.
_VALUE_PER_KWH = (
    ("C31", 2.0),  # iron and steel
    ("C32", 2.5),  # non-ferrous
    ("C30", 3.0),  # cement, refractories
    ("C26", 5.0),  # chemicals
    ("C25", 3.0),  # coking
    ("B", 4.0),  # mining
    ("C", 15.0),  # other manufacturing
    ("F", 25.0),
    ("H", 25.0),
    ("I", 40.0),
    ("J", 60.0),
)
_DEFAULT_VALUE = 10.0
_PROTECTED_IMPORTANCE = {"special", "class_1", "class_2"}
_PROTECTED_SEGMENTS = {"residential", "public_utility"}
# Utilisation of contracted capacity when there are neither readings nor a declared load.
_UTILISATION = {"industrial": 0.45, "commercial": 0.25, "public_utility": 0.25}


def season_of(day: date) -> str:
    if day.month in (6, 7, 8):
        return TypicalCurve.Season.SUMMER
    if day.month in (12, 1, 2):
        return TypicalCurve.Season.WINTER
    return TypicalCurve.Season.SPRING_AUTUMN


def day_type_of(day: date) -> str:
    return TypicalCurve.DayType.WEEKEND if day.weekday() >= 5 else TypicalCurve.DayType.WORKDAY


def protection_of(customer: Customer, profile: ProductionProfile | None) -> str:
    """The class a customer stands in: declared, or protected when the archive says it is
    an important customer, a household or a public utility; ordinary otherwise."""
    if profile is not None and profile.protection != Protection.AUTO:
        return profile.protection
    if customer.importance_class in _PROTECTED_IMPORTANCE:
        return Protection.PROTECTED
    if customer.segment in _PROTECTED_SEGMENTS:
        return Protection.PROTECTED
    return Protection.NORMAL


def value_per_kwh(customer: Customer, profile: ProductionProfile | None) -> float:
    if profile is not None and profile.output_value_per_kwh is not None:
        return max(float(profile.output_value_per_kwh), 0.1)
    code = customer.industry_code or ""
    for prefix, value in _VALUE_PER_KWH:
        if code.startswith(prefix):
            return value
    return _DEFAULT_VALUE


def harm_of(customer: Customer, profile: ProductionProfile | None) -> float:
    """Harm of one kWh not supplied: output value per kWh × outage sensitivity × service
    sensitivity (the archive's value coefficients, R11)."""
    return (
        value_per_kwh(customer, profile)
        * float(customer.outage_sensitivity)
        * float(customer.service_sensitivity)
    )


@dataclass(frozen=True)
class ExpectedCurve:
    kw: list[float]
    source: str
    """``readings`` (a typical curve from the lake), ``declared`` or ``capacity``."""


def expected_curve(
    customer: Customer, profile: ProductionProfile | None, curve: TypicalCurve | None
) -> ExpectedCurve:
    """The customer's expected demand per slot on a day: its typical curve for the
    season and day type, else a flat declared typical load, else a share of capacity."""
    if curve is not None and len(curve.kw) == 96:
        return ExpectedCurve([float(v) for v in curve.kw], "readings")
    if profile is not None and profile.typical_load_kw is not None:
        return ExpectedCurve([float(profile.typical_load_kw)] * 96, "declared")
    kva = float(customer.contracted_kva or 0)
    share = _UTILISATION.get(customer.segment, 0.1)
    return ExpectedCurve([kva * share] * 96, "capacity")


def curve_window(kw: list[float]) -> tuple[int, int] | None:
    """First and last slot (inclusive) with a reduction."""
    slots = np.flatnonzero(np.asarray(kw) > 1e-6)
    if len(slots) == 0:
        return None
    return int(slots[0]), int(slots[-1])
