"""Time-of-use periods (分时电价): configuration per region, season and effective date,
the Shanxi defaults, and the clock the lake's pipelines classify readings by."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from gridcrm.lake.pipelines import TouClock, TouRule
from gridcrm.load import events
from gridcrm.load.models import TouPeriod, TouSchedule
from gridcrm.users.selectors import company_region

if TYPE_CHECKING:
    from gridcrm.users.models import Region, User

# Shanxi's commercial and industrial schedule (since 2023): a midday valley for solar,
# the evening peak, and a critical peak 18:00-20:00 in the summer and winter months.
_VALLEY = (0, 1, 2, 3, 4, 5, 6, 11, 12, 23)
_PEAK = (8, 9, 10, 17, 18, 19, 20, 21, 22)
_SHARP = (18, 19)
SHARP_MONTHS = [1, 7, 8, 12]
OTHER_MONTHS = [2, 3, 4, 5, 6, 9, 10, 11]
DEFAULT_FROM = date(2023, 1, 1)


def shanxi_hours(*, sharp: bool) -> list[str]:
    def period(hour: int) -> str:
        if sharp and hour in _SHARP:
            return TouPeriod.SHARP
        if hour in _PEAK:
            return TouPeriod.PEAK
        return TouPeriod.VALLEY if hour in _VALLEY else TouPeriod.FLAT

    return [str(period(h)) for h in range(24)]


@transaction.atomic
def tou_defaults_install(*, region: Region, acting_user: User | None = None) -> list[TouSchedule]:
    """Give ``region`` Shanxi's schedule unless it has one: peak = flat × 1.6, valley =
    flat × 0.45, critical peak = peak × 1.2 for large industry in summer and winter.
    Records who installed them (``acting_user`` empty: the system, e.g. the demo)."""
    existing = list(TouSchedule.objects.filter(region=region))
    if existing:
        return existing
    common = {
        "region": region,
        "effective_from": DEFAULT_FROM,
        "peak_ratio": Decimal("1.60"),
        "valley_ratio": Decimal("0.45"),
        "sharp_ratio": Decimal("1.20"),
        "sharp_tariffs": ["large_industry"],
    }
    installed = [
        TouSchedule.objects.create(
            name="夏冬季（含尖峰）",
            months=SHARP_MONTHS,
            hours=shanxi_hours(sharp=True),
            **common,
        ),
        TouSchedule.objects.create(
            name="春秋季",
            months=OTHER_MONTHS,
            hours=shanxi_hours(sharp=False),
            **common,
        ),
    ]
    events.tou_defaults_installed(
        region_code=region.code, schedules=len(installed), acting_user=acting_user
    )
    return installed


def schedules_for(*, region: Region) -> list[TouSchedule]:
    """The schedules that apply in ``region``: its own, or those of the nearest region
    above it that has some (a district inherits the company's)."""
    codes = region.path.split(".")
    by_region: dict[str, list[TouSchedule]] = {}
    for s in TouSchedule.objects.filter(region__code__in=codes).select_related("region"):
        by_region.setdefault(s.region.code, []).append(s)
    for code in reversed(codes):
        if code in by_region:
            return sorted(by_region[code], key=lambda s: (s.effective_from, s.pk), reverse=True)
    return []


def clock_of(schedules: list[TouSchedule]) -> TouClock:
    """The lake's clock from schedules: the newest effective schedule first."""
    ordered = sorted(schedules, key=lambda s: (s.effective_from, s.pk), reverse=True)
    return tuple(
        TouRule(
            hours=tuple(str(h) for h in s.hours),
            months=tuple(int(m) for m in s.months),
            start=s.effective_from,
            end=s.effective_to,
        )
        for s in ordered
    )


def company_clock() -> TouClock:
    """The clock of the company (the root region): the lake's pipelines run company-wide.
    Empty when nothing is configured (the lake then uses its built-in default)."""
    root = company_region()
    if root is None:
        return ()
    return clock_of(schedules_for(region=root))


def period_at(*, schedules: list[TouSchedule], day: date, hour: int) -> str:
    """The period of a local hour on a day (flat where no schedule applies)."""
    for s in sorted(schedules, key=lambda s: (s.effective_from, s.pk), reverse=True):
        if day.month not in s.months or day < s.effective_from:
            continue
        if s.effective_to is not None and day >= s.effective_to:
            continue
        return str(s.hours[hour])
    return str(TouPeriod.FLAT)


def price_ratio(*, schedule: TouSchedule, period: str, tariff_category: str) -> Decimal:
    """The price of a period as a multiple of the flat price, for a tariff category; a
    category without a critical peak pays the peak price in its hours."""
    if period == TouPeriod.PEAK:
        return schedule.peak_ratio
    if period == TouPeriod.VALLEY:
        return schedule.valley_ratio
    if period == TouPeriod.SHARP:
        if tariff_category in schedule.sharp_tariffs:
            return schedule.peak_ratio * schedule.sharp_ratio
        return schedule.peak_ratio
    return Decimal(1)
