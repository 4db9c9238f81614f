"""The words of grid health: score bands and reason codes in people's words (the points
each reason costs are in ``grid.pipelines.POINTS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

GOOD, WATCH = 80, 60
"""A score of at least ``GOOD`` is good, of at least ``WATCH`` to watch, below it poor."""

BANDS: dict[str, Promise] = {
    "good": _("Good"),
    "watch": _("Watch"),
    "poor": _("Poor"),
}

REASONS: dict[str, dict[str, Promise]] = {
    "transformer": {
        "overload": _("Overloaded (2 hours or more above 100 %)"),
        "heavy_load": _("Heavy load (2 hours or more above 80 %)"),
        "low_power_factor": _("Power factor below 0.90"),
        "outages": _("Outages cut its supply"),
        "test_overdue": _("Preventive test overdue"),
        "meter_overdue": _("Meters past their verification date"),
        "no_readings": _("No readings of its meters"),
    },
    "feeder": {
        "transformer_overload": _("Transformers on the line overloaded"),
        "transformer_heavy": _("Transformers on the line heavily loaded"),
        "outages": _("Outages on the line"),
        "test_overdue": _("Transformers past their preventive test"),
        "important_gap": _("Important customers out of compliance"),
    },
    "customer": {
        "low_power_factor": _("Power factor below 0.90"),
        "outages": _("Outages cut its supply"),
        "meter_overdue": _("A meter past its verification date"),
        "important_gap": _("Supply or emergency power short of its class"),
        "transformer_overload": _("Its transformer was overloaded"),
        "test_overdue": _("Its dedicated transformer is past its preventive test"),
    },
}


def band(score: int) -> str:
    return "good" if score >= GOOD else "watch" if score >= WATCH else "poor"
