"""Template filters of the load pages: a time-of-use period in words."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

from gridcrm.core.formats import label_of
from gridcrm.load.models import TouPeriod

register = template.Library()

# One character per hour cell of the clock (尖 峰 平 谷); the cell's title names it whole.
SHORT: dict[str, StrOrPromise] = {
    TouPeriod.SHARP: pgettext_lazy("time-of-use period, one hour cell", "CP"),
    TouPeriod.PEAK: pgettext_lazy("time-of-use period, one hour cell", "P"),
    TouPeriod.FLAT: pgettext_lazy("time-of-use period, one hour cell", "F"),
    TouPeriod.VALLEY: pgettext_lazy("time-of-use period, one hour cell", "V"),
}


@register.filter
def tou_short(code: str) -> str:
    """The period of an hour as the clock's cell shows it: 峰 / P."""
    return str(SHORT.get(code, code))


@register.filter
def tou_label(code: str) -> str:
    """The period's name: 尖峰, 峰, 平, 谷."""
    return label_of(TouPeriod, code)
