"""The formatting policy of ``gridcrm.core.formats`` as template filters. A builtin of
the template engine (settings ``TEMPLATES``), so every template has them unloaded::

    {{ customer.annual_kwh|qty:"kWh" }}   5,000 千瓦时 / 5,000 kWh
    {{ customer.contracted_kva|num }}     5,000 (no ".0")
    {{ feature.mom_change|pct_change }}   −7.5 % (a ratio, signed)
    {{ share|pct }}                       12.5 %
    {{ request.created_at|when }}         2026-12-07 09:30
    {{ visit.day|day }}                   2026-12-07
    {{ need.owner|person }}               陈静 (not the login)
    {{ labels|listing }}                  甲、乙 / a, b
    {% translate "Cut-offs" %}{% colon %} 截断值：/ Cut-offs:
    {{ customer|display:"segment" }}      工业 (the label of a field's choices)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import pgettext

from gridcrm.core import formats

register = template.Library()


@register.filter
def num(value: Any, decimals: Any = None) -> str:
    """Thousands grouped; ``decimals`` fixed, or whole numbers bare and two at most."""
    return formats.number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def qty(value: Any, unit: str) -> str:
    """A number with its unit named in the active language."""
    return formats.quantity(value, unit)


@register.filter
def unit(code: str) -> str:
    """A unit's name in the active language (for table headers)."""
    return formats.unit(code)


@register.filter
def pct(value: Any, decimals: Any = 1) -> str:
    """A ratio (0.125) as a percentage (12.5 %)."""
    return formats.percent(value, int(decimals))


@register.filter
def pct_change(value: Any) -> str:
    """A change ratio (环比, 同比) as a signed percentage: +3.0 %, −7.5 %."""
    return formats.percent(value, signed=True)


@register.filter
def day(value: dt.date | None) -> str:
    """A date in the one date format."""
    return formats.date(value)


@register.filter
def when(value: dt.datetime | None) -> str:
    """A moment, in local time, in the one date-time format."""
    return formats.datetime(value)


@register.filter
def listing(items: Any) -> str:
    """Items joined the language's way: "a, b" / "a、b"."""
    return formats.listing(items or [])


@register.filter
def person(user: Any) -> str:
    """A person by full name."""
    return formats.person(user)


@register.simple_tag
def colon() -> str:
    """The colon after a label: "：" in Chinese, ": " in English."""
    return pgettext("after a label", ": ")


@register.filter
def display(obj: Any, field: str) -> str:
    """The label of a model field's stored code (``get_FOO_display``), "—" for nothing."""
    if obj is None:
        return "—"
    getter = getattr(obj, f"get_{field}_display", None)
    if getter is not None:
        shown = getter()
        return str(shown) if shown not in (None, "") else "—"
    return formats.label_of([], getattr(obj, field, None))
