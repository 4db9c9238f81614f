"""The safety configuration as published rule rows (``SafetyRules``), and the arithmetic
of cycles and deadlines.

Defaults: important customers of the special class and class I are inspected every
quarter, class II and temporary ones every half year, every other high-voltage customer
(10 kV and above) once a year. A general hazard is to be rectified within 90 days, a
significant one within 30, a major one within 7; a significant or major hazard left past
its deadline is a credit event (``hazard_ignored``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from django.utils.translation import gettext_lazy as _

from gridcrm.safety.models import Severity

HIGH_VOLTAGE = "high_voltage"
"""The cycle class of a customer that is not important but supplied at 10 kV or above."""

CUSTOMER_CLASSES = ("special", "class_1", "class_2", "temporary", HIGH_VOLTAGE)
CLASS_LABELS = {
    "special": _("Important customer, special class"),
    "class_1": _("Important customer, class I"),
    "class_2": _("Important customer, class II"),
    "temporary": _("Important customer, temporary"),
    HIGH_VOLTAGE: _("High-voltage customer"),
}
HIGH_VOLTAGE_LEVELS = ("10kV", "35kV", "110kV", "220kV")

CHECKLIST: tuple[tuple[str, Any], ...] = (
    ("switchgear", _("Switchgear, cables and busbars")),
    ("protection", _("Relay protection and its settings")),
    ("grounding", _("Grounding and lightning protection")),
    ("emergency_power", _("Emergency power and its last test")),
    ("metering", _("Metering and seals")),
    ("safety_tools", _("Safety tools, signs and fire equipment")),
    ("records", _("Operating rules, duty and records")),
)
"""The items an inspection looks at, in the order of the form."""

CHECK_VALUES = {"ok": _("In order"), "problem": _("Problem"), "na": _("Not applicable")}


class CycleRule(pydantic.BaseModel):
    """How often one class of customer is inspected."""

    model_config = pydantic.ConfigDict(extra="forbid")

    customer_class: str
    months: int = pydantic.Field(ge=1, le=60)

    @pydantic.field_validator("customer_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in CUSTOMER_CLASSES:
            raise ValueError("not a class of customer inspected")
        return value


class DeadlineRule(pydantic.BaseModel):
    """The days a customer has to rectify a hazard of one severity, and whether leaving
    it past that deadline is a credit event."""

    model_config = pydantic.ConfigDict(extra="forbid")

    severity: str
    days: int = pydantic.Field(ge=1, le=365)
    credit_event: bool = False

    @pydantic.field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str) -> str:
        if value not in Severity.values:
            raise ValueError("not a severity")
        return value


DEFAULT_CYCLES: tuple[dict[str, Any], ...] = (
    {"customer_class": "special", "months": 3},
    {"customer_class": "class_1", "months": 3},
    {"customer_class": "class_2", "months": 6},
    {"customer_class": "temporary", "months": 6},
    {"customer_class": HIGH_VOLTAGE, "months": 12},
)
DEFAULT_DEADLINES: tuple[dict[str, Any], ...] = (
    {"severity": "general", "days": 90, "credit_event": False},
    {"severity": "significant", "days": 30, "credit_event": True},
    {"severity": "major", "days": 7, "credit_event": True},
)


def customer_class(*, importance_class: str, voltage_level: str) -> str | None:
    """The cycle class of a customer: its important class, else high voltage, else none
    (low-voltage customers are inspected on request, not by cycle)."""
    if importance_class in CUSTOMER_CLASSES:
        return importance_class
    if voltage_level in HIGH_VOLTAGE_LEVELS:
        return HIGH_VOLTAGE
    return None


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - a month has at least 28 days
