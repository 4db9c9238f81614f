"""The one formatting policy of GridCRM: numbers, units, ratios, dates and codes as words.

Pages, charts and exports format through these functions (templates through the filters
of ``gridcrm.core.templatetags.fmt``), so that both languages read alike:

- numbers group thousands with "," and use "." for decimals in Chinese as in English
  (Django's own zh-Hans format groups nothing: 206358102); the project's format modules
  (``gridcrm.core.locale_formats``, ``FORMAT_MODULE_PATH``) make ``intcomma`` agree;
- a unit is named in one place (``UNITS``): 千瓦时 / kWh, 千伏安 / kVA, …; a whole
  quantity shows no ".0";
- a ratio (环比, 同比, a share) is a percentage with one decimal: −7.5 %;
- one date format and one date-time format (``core.locale_formats``: ISO in both);
- a stored code shows as the label of its choices (``label_of``); a person by full name.

Exports keep numbers as numbers (a spreadsheet sums them) but name codes and people the
same way the pages do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext, pgettext_lazy

Number = int | float | Decimal

#: The one place units are named; the Chinese UI uses the Chinese names.
UNITS: dict[str, Any] = {
    "kWh": pgettext_lazy("unit", "kWh"),
    "kW": pgettext_lazy("unit", "kW"),
    "kVA": pgettext_lazy("unit", "kVA"),
    "kV": pgettext_lazy("unit", "kV"),
    "yuan": pgettext_lazy("unit", "yuan"),
    "h": pgettext_lazy("unit", "h"),
    "d": pgettext_lazy("unit", "d"),
    "min": pgettext_lazy("unit", "min"),
    "%": "%",
}

MINUS = "\u2212"  # a typographic minus: "−7.5 %" reads as a negative, not a dash


def number(value: Number | str | None, decimals: int | None = None) -> str:
    """``value`` with thousands grouped by "," ("—" for nothing). ``decimals=None``
    shows a whole number without decimals and otherwise at most two, trailing zeros cut:
    5000.0 → "5,000", 0.841 → "0.84"."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not amount.is_finite():
        return "—"
    if decimals is None:
        text = f"{amount.quantize(Decimal('0.01')):,f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    else:
        text = f"{amount.quantize(Decimal(1).scaleb(-decimals)):,f}"
    if text in ("-0", "-0.0", "-0.00"):
        text = text[1:]
    return text.replace("-", MINUS)


def unit(code: str) -> str:
    """The name of a unit in the active language (the code itself when unknown)."""
    return str(UNITS.get(code, code))


def quantity(value: Number | str | None, code: str, decimals: int | None = None) -> str:
    """A number with its unit: "5,000 kVA" / "5,000 千伏安"; "—" for nothing."""
    if value is None or value == "":
        return "—"
    return f"{number(value, decimals)} {unit(code)}"


def percent(ratio: Number | str | None, decimals: int = 1, *, signed: bool = False) -> str:
    """A ratio as a percentage: -0.075 → "−7.5 %"; ``signed`` adds "+" to a rise (for
    环比 and 同比). "—" for nothing."""
    if ratio is None or ratio == "":
        return "—"
    try:
        amount = Decimal(str(ratio)) * 100
    except ArithmeticError:
        return str(ratio)
    text = number(amount, decimals)
    if signed and amount > 0 and text.strip("0.,") != "":
        text = "+" + text
    return f"{text} %"


def _local(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date(value: dt.date | None) -> str:
    """A date in the one date format (``DATE_FORMAT`` of ``core.locale_formats``); a
    moment is first taken to local time. "—" for nothing."""
    if value is None:
        return "—"
    local = _local(value)
    return date_format(local.date() if isinstance(local, dt.datetime) else local)


def datetime(value: dt.datetime | None) -> str:
    """A moment in local time in the one date-time format ("—" for nothing)."""
    if value is None:
        return "—"
    return date_format(_local(value), "DATETIME_FORMAT")


def label_of(choices: type[models.Choices] | Iterable[tuple[Any, Any]], code: Any) -> str:
    """The label of ``code`` in a choices class (or a list of (code, label) pairs); the
    code itself when it is not one of them, "—" for nothing."""
    if code is None or code == "":
        return "—"
    pairs: Iterable[tuple[Any, Any]] = choices.choices if isinstance(choices, type) else choices
    for value, label in pairs:
        if value == code or str(value) == str(code):
            return str(label)
    return str(code)


def listing(items: Any) -> str:
    """Items joined the language's way: "a, b, c" / "a、b、c"."""
    return pgettext("list separator", ", ").join(str(i) for i in items)


def person(user: Any) -> str:
    """A person as people call them: the full name, the login only when there is none."""
    if user is None or user == "":
        return "—"
    full_name = getattr(user, "full_name", "") or ""
    if not full_name and hasattr(user, "get_full_name"):
        full_name = user.get_full_name()
    return str(full_name or getattr(user, "username", "") or user)
