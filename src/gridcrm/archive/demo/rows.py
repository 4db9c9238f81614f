"""The demo's customers as rows: every tier-1 field and most tier-2 and tier-3 fields,
some left blank as in a real archive, all drawn from one ``random.Random``.

The same seed yields the same company, account for account; rows are produced lazily so
a million customers never sit in memory at once.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from gridcrm.archive.choices import (
    BillingMethod,
    CertificateType,
    ContactChannel,
    MeterKind,
    PaymentMethod,
    Segment,
    TariffCategory,
    TariffStructure,
    VoltageLevel,
)
from gridcrm.archive.demo.draw import cumulative as _cumulative
from gridcrm.archive.demo.draw import one as _one
from gridcrm.archive.demo.draw import pick as _pick
from gridcrm.archive.demo.draw import whole as _int
from gridcrm.archive.demo.kinds import FLAVOURS, HOUSEHOLD, KINDS, V220, V380, Kind
from gridcrm.archive.demo.names import (
    BANKS,
    BUREAUS,
    FOODS,
    ORDINALS,
    landline_phone,
    mobile_phone,
    name_pools,
    person_name,
    resident_id,
    social_credit_code,
)
from gridcrm.archive.demo.places import SEGMENT_ORDER, STATIONS, VILLAGES, Station

# Contracted capacity from which a customer counts as a key account (大客户).
KEY_ACCOUNT_KVA = 1000
# 大工业 applies from 315 kVA of transformer capacity.
LARGE_INDUSTRY_KVA = 315


# Not frozen: a frozen dataclass sets each of its fields through object.__setattr__,
# which made building a row take as long as everything else together.
@dataclass(slots=True)
class CustomerRow:
    """One synthetic customer, ready to become a :class:`Customer`."""

    # Tier 1: what every customer must have.
    account_no: str
    name: str
    certificate_type: str
    certificate_no: str
    segment: Segment
    tariff_category: TariffCategory
    tariff_structure: str
    billing_method: str
    tou_applied: bool
    voltage_level: VoltageLevel
    contracted_kva: int
    station_code: str
    address: str
    phone: str
    industry_code: str
    key_account: bool
    # Tiers 2 and 3, each left blank for some customers as in a real archive
    # ("" or None when not known).
    contact_person: str
    transformer_area: str
    importance_class: str
    production_shifts: str
    employees: int | None
    meter_kind: str
    meter_count: int | None
    transformer_count: int | None
    transformer_kva: int | None
    backup_power_kw: int | None
    payment_method: str
    deposit_yuan: int | None
    phone_alt: str
    preferred_channel: str
    e_bill: bool | None


def tariff_for(kind: Kind, kva: int) -> TariffCategory:
    """The catalogue tariff (用电类别) a customer of this kind and size is billed on."""
    if kind.segment == Segment.RESIDENTIAL:
        return TariffCategory.RESIDENTIAL
    if kind.segment == Segment.INDUSTRIAL or kind.large_industry_ok:
        big = kva >= LARGE_INDUSTRY_KVA
        return TariffCategory.LARGE_INDUSTRY if big else TariffCategory.GENERAL_CI
    if kind.segment == Segment.OTHER and kind.industry.startswith("A"):
        return TariffCategory.AGRICULTURE
    return TariffCategory.GENERAL_CI


class _Fields(dict[str, str]):
    """The fields a name template may use, each drawn only when a template asks for it."""

    def __init__(self, rng: random.Random, station: Station, place: _Place) -> None:
        super().__init__()
        self.rng = rng
        self.station = station
        self.place = place

    def __missing__(self, key: str) -> str:
        value = self._make(key)
        self[key] = value
        return value

    def _make(self, key: str) -> str:
        rng, station, place = self.rng, self.station, self.place
        fixed = {"city": station.city, "area": station.area, "short": station.short}
        if key in fixed:
            return fixed[key]
        pools: dict[str, Sequence[str]] = {
            "word": name_pools().words,
            "food": FOODS,
            "bank": BANKS,
            "bureau": BUREAUS,
            "ord": ORDINALS,
        }
        if key in pools:
            return _one(rng, pools[key])
        if key == "street":
            return place.street or _one(rng, station.streets)
        if key == "town":
            return place.town or station.street_town or station.district
        if key == "village":
            return place.village or _one(rng, VILLAGES)
        if key == "place":
            # Branches and base stations are named after their street or town.
            return place.street or place.town.rstrip("镇乡") or _one(rng, station.streets)
        if key == "surname":
            return _pick(rng, name_pools().surnames, name_pools().surname_cum)
        if key == "person":
            return person_name(rng)
        if key == "n":
            return str(_int(rng, 1, 99))
        raise KeyError(key)


@dataclass(slots=True)
class _Place:
    street: str = ""
    town: str = ""
    village: str = ""


def _address(rng: random.Random, station: Station, place: _Place, *, household: bool) -> str:
    prefix = f"山西省阳泉市{station.district}"
    if place.village:
        return f"{prefix}{place.town}{place.village}村{_int(rng, 1, 300)}号"
    head = f"{prefix}{station.street_town}{place.street}{_int(rng, 1, 320)}号"
    # Most town households live in blocks of flats: 3号楼2单元501.
    if household and rng.random() < 0.9:
        floor, room = _int(rng, 1, 18), _int(rng, 1, 4)
        return f"{head}{_int(rng, 1, 30)}号楼{_int(rng, 1, 6)}单元{floor}{room:02d}"
    return head


def _place(rng: random.Random, station: Station) -> _Place:
    if station.towns and rng.random() < station.rural_share:
        return _Place(town=_one(rng, station.towns), village=_one(rng, VILLAGES))
    return _Place(street=_one(rng, station.streets))


@dataclass(frozen=True, slots=True)
class _Chooser:
    """Precomputed cumulative weights so every draw is one bisect."""

    stations: tuple[Station, ...]
    station_cum: tuple[float, ...]
    segment_cum: dict[str, tuple[float, ...]]
    kinds: dict[tuple[str, Segment], tuple[tuple[Kind, ...], tuple[float, ...]]]
    supply_cum: dict[str, tuple[float, ...]]


@cache
def _chooser() -> _Chooser:
    kinds: dict[tuple[str, Segment], tuple[tuple[Kind, ...], tuple[float, ...]]] = {}
    for i, flavour in enumerate(FLAVOURS):
        for segment in SEGMENT_ORDER:
            of_segment = tuple(k for k in KINDS if k.segment == segment and k.weights[i] > 0)
            kinds[flavour, segment] = (of_segment, _cumulative(k.weights[i] for k in of_segment))
    return _Chooser(
        stations=STATIONS,
        station_cum=_cumulative(s.share for s in STATIONS),
        segment_cum={s.code: _cumulative(s.mix) for s in STATIONS},
        kinds=kinds,
        supply_cum={k.key: _cumulative(s.weight for s in k.supplies) for k in KINDS},
    )


def customer_rows(rng: random.Random, count: int) -> Iterator[CustomerRow]:
    """``count`` customers spread over the stations, lazily, all drawn from ``rng``.

    Account numbers are the station's two-digit index and an eight-digit
    sequence that rises with small gaps, as closed accounts leave them.
    """
    chooser = _chooser()
    # Each station's sequence starts somewhere different, drawn before any row.
    next_seq = {s.code: rng.randrange(1_000_000, 5_000_000) for s in STATIONS}
    for _ in range(count):
        station = _pick(rng, chooser.stations, chooser.station_cum)
        segment = _pick(rng, SEGMENT_ORDER, chooser.segment_cum[station.code])
        kinds, kind_cum = chooser.kinds[station.flavour, segment]
        kind = _pick(rng, kinds, kind_cum)
        supply = _pick(rng, kind.supplies, chooser.supply_cum[kind.key])
        kva = _one(rng, supply.kva)
        place = _place(rng, station)
        seq = next_seq[station.code]
        next_seq[station.code] = seq + _int(rng, 1, 3)
        household = kind is HOUSEHOLD
        if household:
            name = person_name(rng)
            phone = mobile_phone(rng)
            address = _address(rng, station, place, household=True)
            certificate = (CertificateType.RESIDENT_ID, resident_id(rng, station))
        else:
            templates = kind.rural_names if place.village and kind.rural_names else kind.names
            name = _one(rng, templates).format_map(_Fields(rng, station, place))
            phone = landline_phone(rng, station) if rng.random() < 0.75 else mobile_phone(rng)
            address = _address(rng, station, place, household=False)
            registration = kind.uscc_type
            if "公司" not in name and rng.random() < kind.sole_trader_share:
                registration = "92"
            certificate = (CertificateType.USCC, social_credit_code(rng, station, registration))
        tariff = tariff_for(kind, kva)
        yield CustomerRow(
            account_no=f"{station.index:02d}{seq:08d}",
            name=name,
            certificate_type=certificate[0],
            certificate_no=certificate[1],
            segment=segment,
            tariff_category=tariff,
            voltage_level=supply.voltage,
            contracted_kva=kva,
            station_code=station.code,
            address=address,
            phone=phone,
            industry_code=kind.industry,
            key_account=kind.important or kva >= KEY_ACCOUNT_KVA,
            **_billing(rng, tariff, kva),
            **_equipment(rng, kind, supply.voltage, kva, place),
            **_contact(rng, kind, kva),
        )


def _billing(rng: random.Random, tariff: TariffCategory, kva: int) -> dict[str, Any]:
    # Large industry pays a two-part tariff (energy plus capacity or maximum demand);
    # time-of-use pricing is compulsory for business from 100 kVA, chosen by some homes.
    two_part = tariff == TariffCategory.LARGE_INDUSTRY
    if two_part:
        by_demand = kva >= 2000 and rng.random() < 0.7
        billing = BillingMethod.DEMAND if by_demand else BillingMethod.CAPACITY
    else:
        billing = BillingMethod.ENERGY
    if tariff == TariffCategory.RESIDENTIAL:
        tou = rng.random() < 0.2
    elif tariff == TariffCategory.AGRICULTURE:
        tou = rng.random() < 0.1
    else:
        tou = kva >= 100 or rng.random() < 0.5
    return {
        "tariff_structure": TariffStructure.TWO_PART if two_part else TariffStructure.SINGLE_PART,
        "billing_method": billing,
        "tou_applied": tou,
    }


def _equipment(
    rng: random.Random, kind: Kind, voltage: VoltageLevel, kva: int, place: _Place
) -> dict[str, Any]:
    low_voltage = voltage in (V220, V380)
    household = kind is HOUSEHOLD
    # Low-voltage customers hang off a public transformer area (台区); high-voltage
    # ones own their transformers and are metered through CTs.
    area = ""
    if low_voltage and rng.random() < 0.92:
        area = f"{place.village}村" if place.village else place.street
        area = f"{area}{_int(rng, 1, 12)}号台区"
    if not low_voltage:
        meter = MeterKind.CT
    elif rng.random() < 0.05:
        meter = MeterKind.PREPAID
    else:
        meter = MeterKind.SMART_1P if voltage == V220 else MeterKind.SMART_3P
    transformers = 0 if low_voltage else (1 if kva < 1000 else _int(rng, 2, 4))
    known = rng.random() < 0.9 and not household
    backup = None
    if kind.segment in (Segment.INDUSTRIAL, Segment.PUBLIC_UTILITY):
        if rng.random() < (0.8 if kind.important else 0.15):
            # Emergency supply (保安电源) for the loads that must not stop.
            backup = min(5000, max(10, 10 * round(kva * (0.01 + 0.02 * rng.random()))))
    return {
        "transformer_area": area,
        "meter_kind": meter if rng.random() < 0.95 else "",
        "meter_count": (1 if low_voltage else _int(rng, 1, 3)) if rng.random() < 0.95 else None,
        "transformer_count": transformers if known else None,
        "transformer_kva": (0 if low_voltage else kva) if known else None,
        "backup_power_kw": backup,
    }


_HOUSEHOLD_PAYMENTS = (
    (PaymentMethod.WECHAT_ALIPAY, 45),
    (PaymentMethod.APP, 25),
    (PaymentMethod.BANK_DEDUCTION, 15),
    (PaymentMethod.COUNTER, 8),
    (PaymentMethod.PREPAID, 7),
)
_BUSINESS_PAYMENTS = (
    (PaymentMethod.BANK_DEDUCTION, 60),
    (PaymentMethod.COUNTER, 20),
    (PaymentMethod.APP, 20),
)
_HOUSEHOLD_CHANNELS = (
    ContactChannel.WECHAT,
    ContactChannel.SMS,
    ContactChannel.APP,
    ContactChannel.PHONE,
)
_BUSINESS_CHANNELS = (
    ContactChannel.PHONE,
    ContactChannel.VISIT,
    ContactChannel.EMAIL,
    ContactChannel.WECHAT,
)


@cache
def _weighted(table: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return tuple(v for v, _ in table), _cumulative(w for _, w in table)


def _contact(rng: random.Random, kind: Kind, kva: int) -> dict[str, Any]:
    # Tier 2 is mostly known, tier 3 (gathered in contact with the customer) often not.
    household = kind is HOUSEHOLD
    payments = _weighted(_HOUSEHOLD_PAYMENTS if household else _BUSINESS_PAYMENTS)
    values: dict[str, Any] = {
        "contact_person": "",
        "importance_class": "",
        "production_shifts": "",
        "employees": None,
        "deposit_yuan": None,
        "payment_method": _pick(rng, *payments) if rng.random() < 0.9 else "",
        "phone_alt": mobile_phone(rng) if rng.random() < 0.1 else "",
        "preferred_channel": "",
        "e_bill": None,
    }
    if rng.random() < 0.4:
        channels = _HOUSEHOLD_CHANNELS if household else _BUSINESS_CHANNELS
        values["preferred_channel"] = _one(rng, channels)
    if rng.random() < 0.45:
        values["e_bill"] = rng.random() < (0.7 if household else 0.5)
    if household:
        return values
    if rng.random() < 0.85:
        values["contact_person"] = person_name(rng)
    if rng.random() < 0.95:
        values["importance_class"] = kind.importance
    if kind.shifts is not None and rng.random() < 0.85:
        values["production_shifts"] = kind.shifts
    if rng.random() < 0.4:
        values["employees"] = min(12000, max(2, int(kva * 0.15 * (0.5 + rng.random()))))
    if rng.random() < 0.7:
        # Most pay no security deposit (电费保证金); some owe one of about a month's bill.
        values["deposit_yuan"] = 0 if rng.random() < 0.8 else max(1000, round(kva * 50, -3))
    return values
