"""A latent need's evidence as sentences a specialist reads aloud to a customer.

``latent.py`` stores evidence as a dict of figures (kept for the API and the audit row);
this module says it in words: ``power_factor=0.841 standard=0.9`` becomes "功率因数 0.84，
低于标准 0.90". Each known set of keys has one sentence; a key no sentence uses is
shown as "key: value" so nothing the rule recorded is hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gridcrm.archive.choices import ImportanceClass
from gridcrm.core.formats import label_of, listing, number, percent, quantity


def _capacity(e: dict[str, Any]) -> str:
    source = _("archive") if e.get("source") == "archive" else _("metered load")
    return _(
        "Maximum demand %(demand)s is %(ratio)s of the contracted capacity %(kva)s "
        "(threshold %(threshold)s, from the %(source)s)"
    ) % {
        "demand": quantity(e["max_demand_kw"], "kW"),
        "ratio": percent(e["ratio"]),
        "kva": quantity(e["contracted_kva"], "kVA"),
        "threshold": percent(e.get("threshold")),
        "source": source,
    }


def _peak(e: dict[str, Any]) -> str:
    return _(
        "Critical-peak and peak hours took %(share)s of the consumption "
        "(%(peak)s of %(total)s in %(months)s months; threshold %(threshold)s)"
    ) % {
        "share": percent(e["share"]),
        "peak": quantity(e["peak_kwh"], "kWh"),
        "total": quantity(e["total_kwh"], "kWh"),
        "months": number(e.get("months")),
        "threshold": percent(e.get("threshold")),
    }


def _growth(e: dict[str, Any]) -> str:
    return _(
        "Consumption %(from)s to %(to)s was %(kwh)s, %(ratio)s of the %(before)s "
        "of the same months a year before (threshold %(threshold)s)"
    ) % {
        "from": str(e["from_month"])[:7],
        "to": str(e["to_month"])[:7],
        "kwh": quantity(e["kwh"], "kWh"),
        "before": quantity(e["kwh_year_before"], "kWh"),
        "ratio": percent(e["ratio"]),
        "threshold": percent(e.get("threshold")),
    }


def _power_factor(e: dict[str, Any]) -> str:
    text = _("Power factor %(pf)s, below the standard %(standard)s") % {
        "pf": number(e["power_factor"], 2),
        "standard": number(e["standard"], 2),
    }
    months = e.get("months")
    if isinstance(months, list) and months:
        shown = [str(m).replace(": ", " ") for m in months]
        text += pgettext("sentence separator", "; ") + _("by month: %(months)s") % {
            "months": listing(shown)
        }
    return text


def _outages(e: dict[str, Any]) -> str:
    text = _(
        "Outages on %(days)s days in the last year, %(faults)s of them faults "
        "(threshold %(threshold)s days)"
    ) % {
        "days": number(e["outage_days"]),
        "faults": number(e.get("faults", 0)),
        "threshold": number(e.get("threshold")),
    }
    days = list(e.get("days") or [])
    if days:
        # The latest few days say enough; the figures keep them all.
        shown = listing(days[-5:])
        text += pgettext("sentence separator", "; ") + (f"… {shown}" if len(days) > 5 else shown)
    if e.get("important_customer"):
        text += pgettext("sentence separator", "; ") + _("an important customer (%(class)s)") % {
            "class": label_of(ImportanceClass, e["important_customer"])
        }
    return text


def _theme(e: dict[str, Any]) -> str:
    return _("The visit notes keep coming back to “%(theme)s”") % {"theme": e["theme"]}


def _visits(e: dict[str, Any]) -> str:
    visits = e["visits"] if isinstance(e["visits"], list) else [e["visits"]]
    text = _("mentioned in %(n)s visits (%(visits)s)") % {
        "n": len(visits),
        "visits": listing(visits),
    }
    if e.get("words"):
        text += pgettext("sentence separator", "; ") + _("words: %(words)s") % {"words": e["words"]}
    return text


# Each sentence with the keys it says; the first keys must all be present.
SENTENCES: list[tuple[tuple[str, ...], tuple[str, ...], Callable[[dict[str, Any]], str]]] = [
    (
        ("max_demand_kw", "contracted_kva", "ratio"),
        ("threshold", "source"),
        _capacity,
    ),
    (("peak_kwh", "total_kwh", "share"), ("threshold", "months"), _peak),
    (
        ("from_month", "to_month", "kwh", "kwh_year_before", "ratio"),
        ("threshold",),
        _growth,
    ),
    (("power_factor", "standard"), ("months",), _power_factor),
    (
        ("outage_days",),
        ("threshold", "days", "sources", "faults", "important_customer"),
        _outages,
    ),
    (("theme",), (), _theme),
    (("visits",), ("words",), _visits),
]


def evidence_sentences(evidence: dict[str, Any] | None) -> list[str]:
    """The evidence as sentences, in the order the rules record it."""
    evidence = dict(evidence or {})
    sentences = []
    for needed, optional, say in SENTENCES:
        if all(key in evidence for key in needed):
            sentences.append(say(evidence))
            for key in (*needed, *optional):
                evidence.pop(key, None)
    sentences.extend(f"{key}: {value}" for key, value in evidence.items())
    return sentences


def evidence_text(evidence: dict[str, Any] | None) -> str:
    """The evidence as one line of sentences."""
    return pgettext("sentence separator", "; ").join(evidence_sentences(evidence))
