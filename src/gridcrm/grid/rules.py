"""What each class of important customer (重要电力用户) must have, by GB/Z 29328, as
published configuration (``ImportanceRules``); and the check of one customer against it.

The defaults: 特级 three sources from at least two substations; 一级 two sources from two
different substations; 二级 a dual circuit (two sources); 临时 one source. Every class
needs emergency power (自备应急电源) of at least its security load (保安负荷) times
``emergency_percent`` (many provinces ask 120 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pydantic
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.choices import ImportanceClass
from gridcrm.core.formats import label_of

IMPORTANT_CLASSES = (
    ImportanceClass.SPECIAL,
    ImportanceClass.CLASS_I,
    ImportanceClass.CLASS_II,
    ImportanceClass.TEMPORARY,
)
"""The important classes, most important first: outage impact lists them in this order."""

CLASS_RANK = {c.value: n for n, c in enumerate(IMPORTANT_CLASSES)}


class ClassRule(pydantic.BaseModel):
    """One class's requirements; the form, the API and the publish share this shape."""

    model_config = pydantic.ConfigDict(extra="forbid")

    importance_class: str
    min_sources: int = pydantic.Field(ge=1, le=5)
    min_substations: int = pydantic.Field(ge=1, le=5)
    emergency_required: bool = True
    emergency_percent: int = pydantic.Field(default=120, ge=0, le=500)

    @property
    def importance_label(self) -> str:
        """The class in words (一级重要电力用户), for pages."""
        return label_of(ImportanceClass, self.importance_class)

    @pydantic.field_validator("importance_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in CLASS_RANK:
            raise ValueError("not an important-customer class")
        return value

    @pydantic.model_validator(mode="after")
    def _substations_within_sources(self) -> ClassRule:
        if self.min_substations > self.min_sources:
            raise ValueError("more substations than sources")
        return self


DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"importance_class": "special", "min_sources": 3, "min_substations": 2},
    {"importance_class": "class_1", "min_sources": 2, "min_substations": 2},
    {"importance_class": "class_2", "min_sources": 2, "min_substations": 1},
    {"importance_class": "temporary", "min_sources": 1, "min_substations": 1},
)


TEST_INTERVAL_MONTHS = {"transformer": 36, "emergency": 12}
"""How old a preventive test may be before it is overdue: a distribution transformer's
(预防性试验, every three years for 10 kV oil and dry types) and an important customer's
emergency power's (a start-up test at least once a year). A meter is overdue past its own
``verification_due``."""


class Gap:
    """The codes of the gaps a check finds, with their text for people."""

    SOURCES = "sources"
    SUBSTATIONS = "substations"
    NO_EMERGENCY = "no_emergency"
    EMERGENCY_SHORT = "emergency_short"
    NO_SECURITY_LOAD = "no_security_load"

    LABELS = {
        SOURCES: _("Too few supply sources"),
        SUBSTATIONS: _("Sources not from enough substations"),
        NO_EMERGENCY: _("No emergency power"),
        EMERGENCY_SHORT: _("Emergency power below the security load"),
        NO_SECURITY_LOAD: _("Security load not declared"),
    }


@dataclass(frozen=True)
class Supply:
    """What the registry knows of one customer's supply."""

    sources: int
    substations: int
    emergency_kw: Decimal
    security_kw: Decimal | None


def configuration(*, sources: int, substations: int) -> str:
    """单电源 / 双回路 / 双电源 / 三电源 from the number of feeders and substations."""
    if sources >= 3:
        return "three_sources"
    if sources == 2:
        return "dual_source" if substations >= 2 else "dual_circuit"
    return "single" if sources == 1 else "none"


CONFIGURATION_LABELS = {
    "none": _("No supply source"),
    "single": _("Single source"),
    "dual_circuit": _("Dual circuit"),
    "dual_source": _("Dual source"),
    "three_sources": _("Three sources"),
}


def required_emergency_kw(rule: ClassRule, security_kw: Decimal) -> Decimal:
    return (security_kw * rule.emergency_percent / 100).quantize(Decimal("0.1"))


def gaps(rule: ClassRule, supply: Supply) -> list[str]:
    """The gap codes of one customer against its class's rule, in a fixed order."""
    found = []
    if supply.sources < rule.min_sources:
        found.append(Gap.SOURCES)
    if supply.substations < rule.min_substations:
        found.append(Gap.SUBSTATIONS)
    if rule.emergency_required:
        if supply.emergency_kw <= 0:
            found.append(Gap.NO_EMERGENCY)
        elif supply.security_kw is None:
            found.append(Gap.NO_SECURITY_LOAD)
        elif supply.emergency_kw < required_emergency_kw(rule, supply.security_kw):
            found.append(Gap.EMERGENCY_SHORT)
    return found
