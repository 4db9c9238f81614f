"""Realistic synthetic facts for the demo customers: bills, payments, readings, outages,
violations — with hidden risk classes for later models to find.

What is modelled:

- **Load shapes** by segment and industry: households peak in the evening; shops and
  offices by day; three-shift heavy industry (steel, chemicals, non-ferrous) almost
  flat; other factories two shifts; public lighting at night; water works pump in the
  night valley and the morning; farms irrigate by day in spring and summer.
- **Seasons** in Shanxi: summer cooling (July-August) and winter heating (December-
  February, stronger for households with electric heating); **weekends**; the **Spring
  Festival** dip (factories and offices stop for about a week, households use more).
- **Power factor** about 0.92, except one customer in eight near 0.84.
- **Hidden risk classes** (written to ``_demo_truth/customers.parquet``, never to the
  fact tables): ``reliable``; ``late_payer`` (chronically 5-30 days late, always pays);
  ``drifter`` (from some month on, later and later, then part payments, then none);
  ``thief`` (consumption drops by a third to a half from some month; about half are
  caught, which writes a violation); ``failing`` (a factory whose consumption shrinks
  month by month before it stops paying).
- **Financial stress**, a hidden degree from 0 to 1 (Beta(1, 6): most customers near 0,
  a long tail): the more stressed a customer, the more often an ordinary month's bill
  is paid late and the later, and the likelier the customer is to become a drifter.
  Risk is thus graded, as in real payment records, not two-valued: early slips
  foreshadow serious arrears.

Deterministic for a seed. ``gridcrm demo_facts`` writes them for the customers in the
database; the same shape functions feed ``bench/lake_*.py`` at scale.
"""

from __future__ import annotations

import functools
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from gridcrm.archive.demo import customer_fact_rows
from gridcrm.lake import catalog
from gridcrm.lake.demo_shapes import (
    FESTIVAL,
    QUARTERS,
    SEASON,
    SHAPES,
    SPRING_FESTIVAL,
    UTILISATION,
    festival_factor,
    shape_of,
)
from gridcrm.lake.pipelines import months_before
from gridcrm.lake.schemas import (
    BILLS,
    OUTAGES,
    PAYMENTS,
    READINGS,
    VIOLATIONS,
    PaymentChannel,
)
from gridcrm.lake.services import facts_append, lake_compact, lake_table_clear

__all__ = [
    "FESTIVAL",
    "QUARTERS",
    "SEASON",
    "SHAPES",
    "SPRING_FESTIVAL",
    "UTILISATION",
    "DemoCustomer",
    "DemoFactsReport",
    "demo_customers",
    "festival_factor",
    "generate_demo_facts",
    "shape_of",
]

logger = logging.getLogger(__name__)

RISK_CLASSES = ("reliable", "late_payer", "drifter", "thief", "failing")
# Chance of drifting = this × stress² (E[stress²] = 1/28 under Beta(1, 6): about 6 % of
# customers drift, almost none of the calm ones, four in ten of the most stressed).
DRIFT_PER_STRESS2 = 1.68

# Catalogue prices, yuan per kWh (flat period); TOU multiples below.
PRICE = {"residential": 0.477, "general_ci": 0.66, "large_industry": 0.58, "agriculture": 0.45}
TOU_MULTIPLE = {"sharp": 1.8, "peak": 1.5, "flat": 1.0, "valley": 0.5}


@dataclass(frozen=True)
class DemoCustomer:
    account_no: str
    shape: str
    tariff: str
    mean_kw: float
    metered: bool
    risk: str
    event_month: int
    """Months before the end when the risk starts to show (0 for reliable)."""
    stress: float = 0.0
    """Hidden financial stress, 0-1: how often and how late ordinary bills are paid."""
    recent_readings: bool = False
    """A household with a smart meter read every 15 minutes for the last weeks only."""


@dataclass(frozen=True)
class DemoFactsReport:
    customers: int
    metered: int
    bills: int
    payments: int
    readings: int
    outages: int
    violations: int
    risk_counts: dict[str, int]
    as_of: date
    """The day the facts run to: payments after it are not yet made."""


def demo_customers(
    rng: np.random.Generator, *, metered_share: float = 0.0, household_share: float = 0.0
) -> list[DemoCustomer]:
    """The customers in the database with a shape, a mean load and a hidden risk class.

    Key accounts (a key-account manager, or supply at 10 kV and above) are metered, and
    ``metered_share`` of the others; ``household_share`` of the households are read for
    the last weeks only (``recent_readings``).
    """
    out = []
    for account_no, segment, industry, tariff, kva, voltage, manager in customer_fact_rows():
        shape = shape_of(segment, industry)
        mean_kw = float(kva or 0) * UTILISATION[shape] * float(rng.lognormal(0.0, 0.25))
        metered = bool(manager) or voltage not in {"220V", "380V"}
        # One draw for the others whatever the shares, so that the shares change nothing else.
        draw = 1.0 if metered else rng.random()
        metered = metered or draw < metered_share
        recent = not metered and segment == "residential" and draw < metered_share + household_share
        stress = float(rng.beta(1.0, 6.0))
        u = rng.random()
        if shape in {"two_shift", "three_shift"} and u < 0.08:
            risk = "failing"
        elif rng.random() < DRIFT_PER_STRESS2 * stress**2:
            risk = "drifter"
        elif 0.08 <= u < 0.105:
            risk = "thief"
        elif 0.105 <= u < 0.18:
            risk = "late_payer"
        else:
            risk = "reliable"
        event = int(rng.integers(3, 13)) if risk != "reliable" else 0
        out.append(
            DemoCustomer(account_no, shape, tariff, mean_kw, metered, risk, event, stress, recent)
        )
    return out


def consumption_factor(customer: DemoCustomer, months_to_end: int) -> float:
    """How the hidden risk bends consumption ``months_to_end`` months before the end."""
    into = customer.event_month - months_to_end  # months since the event began (≥ 0: begun)
    if customer.risk == "thief" and into >= 0:
        return 0.55
    if customer.risk == "failing" and into >= -6:
        return max(0.15, 1.0 - 0.11 * (into + 7))
    return 1.0


def interval_kwh(
    customers: list[DemoCustomer], day: date, rng: np.random.Generator, months_to_end: int
) -> np.ndarray:
    """kWh per customer (rows) and quarter of ``day`` (96 columns)."""
    weekend = day.weekday() >= 5
    out = np.empty((len(customers), QUARTERS))
    for i, c in enumerate(customers):
        profile = SHAPES[c.shape][1 if weekend else 0]
        level = (
            c.mean_kw
            * SEASON[c.shape][day.month]
            * festival_factor(day, c.shape)
            * consumption_factor(c, months_to_end)
        )
        out[i] = profile * level
    noise = rng.lognormal(0.0, 0.08, size=out.shape)
    day_noise = rng.lognormal(0.0, 0.05, size=(len(customers), 1))
    return np.round(out * noise * day_noise * 0.25, 3)


@functools.cache
def _shape_month_split(shape: str, period: date) -> tuple[float, float, float, float]:
    """Σ over the month's days of the shape's quarters, by TOU period (sharp, peak, flat,
    valley), at a mean load of 1 kW before the season."""
    from gridcrm.lake.pipelines import PEAK_HOURS, SHARP_HOURS, SHARP_MONTHS, VALLEY_HOURS

    hours = np.arange(QUARTERS) // 4
    sharp = np.isin(hours, SHARP_HOURS) & (period.month in SHARP_MONTHS)
    peak = np.isin(hours, PEAK_HOURS) & ~sharp
    valley = np.isin(hours, VALLEY_HOURS)
    flat = ~(sharp | peak | valley)
    sums = np.zeros(4)
    days = (months_before(period, -1) - period).days
    for offset in range(days):
        day = period + timedelta(days=offset)
        profile = SHAPES[shape][1 if day.weekday() >= 5 else 0] * festival_factor(day, shape)
        sums += [profile[m].sum() for m in (sharp, peak, flat, valley)]
    return (float(sums[0]), float(sums[1]), float(sums[2]), float(sums[3]))


def _month_kwh_split(c: DemoCustomer, period: date, months_to_end: int) -> dict[str, float]:
    """Billed kWh of a month by TOU period, from the shape (no per-interval noise)."""
    factor = SEASON[c.shape][period.month] * consumption_factor(c, months_to_end) * c.mean_kw / 4
    split = _shape_month_split(c.shape, period)
    return {p: v * factor for p, v in zip(("sharp", "peak", "flat", "valley"), split, strict=True)}


def _amount(tariff: str, kwh: dict[str, float]) -> Decimal:
    price = PRICE.get(tariff, 0.6)
    yuan = sum(kwh[p] * price * TOU_MULTIPLE[p] for p in kwh)
    return Decimal(f"{yuan:.2f}")


def _payment_plan(
    c: DemoCustomer, months_to_end: int, rng: np.random.Generator
) -> list[tuple[int, float]]:
    """(days after the due date, share of the bill) for each payment of one bill."""
    into = c.event_month - months_to_end
    if c.risk == "late_payer":
        return [(int(rng.integers(5, 31)), 1.0)]
    if c.risk == "drifter" and into >= 0:
        if into >= 4 and months_to_end <= 3:
            return []  # stopped paying
        if into >= 2:
            return [(int(rng.integers(10, 40)), 0.5), (int(rng.integers(45, 90)), 0.5)]
        return [(int(rng.integers(3, 25) + 8 * into), 1.0)]
    if c.risk == "failing" and into >= 0:
        return [] if months_to_end <= 3 else [(int(rng.integers(15, 60)), 1.0)]
    # An ordinary month: the more stressed, the more often late and the later.
    if rng.random() < min(0.8, 0.01 + 1.5 * c.stress):
        return [(int(rng.integers(1, 6 + int(40 * c.stress))), 1.0)]
    return [(-int(rng.integers(0, 20)), 1.0)]


_CHANNELS = [ch.value for ch in PaymentChannel]
_CHANNEL_P = [0.12, 0.3, 0.2, 0.18, 0.12, 0.08]


def _bills_and_payments(
    customers: list[DemoCustomer], periods: list[date], as_of: date, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table]:
    bills: dict[str, list[object]] = {n: [] for n in BILLS.names}
    pays: dict[str, list[object]] = {n: [] for n in PAYMENTS.names}
    last = len(periods) - 1
    for c in customers:
        channel = str(rng.choice(_CHANNELS, p=_CHANNEL_P))
        for index, period in enumerate(periods):
            months_to_end = last - index
            kwh = _month_kwh_split(c, period, months_to_end)
            noise = float(rng.lognormal(0.0, 0.06))
            kwh = {p: round(v * noise, 1) for p, v in kwh.items()}
            amount = _amount(c.tariff, kwh)
            bill_id = f"{c.account_no}{period:%Y%m}"
            due = months_before(period, -1) + timedelta(days=24)
            for name, value in (
                ("bill_id", bill_id),
                ("account_no", c.account_no),
                ("period", period),
                ("tariff", c.tariff),
                ("kwh_sharp", kwh["sharp"]),
                ("kwh_peak", kwh["peak"]),
                ("kwh_flat", kwh["flat"]),
                ("kwh_valley", kwh["valley"]),
                ("amount", amount),
                ("due_on", due),
            ):
                bills[name].append(value)
            paid = Decimal(0)
            plan = _payment_plan(c, months_to_end, rng)
            for n, (days, share) in enumerate(plan):
                paid_on = due + timedelta(days=days)
                if paid_on > as_of or amount <= 0:
                    break
                part = (
                    amount - paid
                    if n == len(plan) - 1
                    else (amount * Decimal(share)).quantize(Decimal("0.01"))
                )
                if part <= 0:
                    break
                paid += part
                for name, value in (
                    ("payment_id", f"{bill_id}-{n + 1}"),
                    ("bill_id", bill_id),
                    ("account_no", c.account_no),
                    ("paid_on", paid_on),
                    ("amount", part),
                    ("channel", channel),
                    ("kind", "payment"),
                ):
                    pays[name].append(value)
    pays["reverses"] = [None] * len(pays["payment_id"])  # generated payments reverse none
    return (
        pa.table(bills, schema=BILLS.arrow),
        pa.table(pays, schema=PAYMENTS.arrow),
    )


def power_factor_mean(account_no: str) -> float:
    """A customer's usual power factor: about 0.92, but one in eight runs near 0.84 (its
    compensation is missing or broken). From the account number, so it is the same every
    month and does not draw on the seeded generator."""
    return 0.84 if zlib.crc32(account_no.encode()) % 8 == 0 else 0.92


def readings_for_month(
    customers: list[DemoCustomer],
    first_day: date,
    days: int,
    rng: np.random.Generator,
    months_to_end: int,
) -> pa.Table:
    """15-minute readings of ``customers`` for ``days`` local days from ``first_day``."""
    n = len(customers)
    blocks = []
    for offset in range(days):
        blocks.append(
            interval_kwh(customers, first_day + timedelta(days=offset), rng, months_to_end)
        )
    kwh = np.concatenate(blocks, axis=1).reshape(-1)  # customer-major, then time
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC) - timedelta(
        hours=8
    )
    steps = np.arange(days * QUARTERS, dtype="int64") * 900_000_000
    ts = np.tile(steps, n) + int(start.timestamp() * 1_000_000)
    accounts = pa.DictionaryArray.from_arrays(
        pa.array(np.repeat(np.arange(n, dtype="int32"), days * QUARTERS)),
        pa.array([c.account_no for c in customers]),
    )
    meters = pa.DictionaryArray.from_arrays(
        accounts.indices, pa.array([f"M{c.account_no}" for c in customers])
    )
    pf_mean = np.repeat([power_factor_mean(c.account_no) for c in customers], days * QUARTERS)
    return pa.table(
        {
            "account_no": accounts.cast(pa.string()),
            "meter_no": meters.cast(pa.string()),
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "kwh": kwh,
            "kw": np.round(kwh * 4 * rng.lognormal(0, 0.03, size=kwh.shape), 2),
            "power_factor": np.round(
                np.clip(pf_mean + rng.normal(0.0, 0.03, size=kwh.shape), 0.5, 1.0), 3
            ),
        },
        schema=READINGS.arrow,
    )


def generate_demo_facts(
    *,
    seed: int = 1,
    months: int = 24,
    reading_days: int = 365,
    end: date | None = None,
    reset: bool = True,
    progress: Callable[[str], None] | None = None,
    household_share: float = 0.0,
    household_days: int = 28,
) -> DemoFactsReport:
    """Write the facts of every customer in the database into the lake.

    ``end`` is the last billed month's next month (default: this month); bills cover the
    ``months`` before it, readings of metered customers the ``reading_days`` before it,
    and of ``household_share`` of the households (smart meters read remotely) the last
    ``household_days`` of those. The facts run to the middle of the ``end`` month or to
    today, whichever is earlier: nothing is paid in the future.
    """
    say = progress or (lambda message: None)
    rng = np.random.default_rng(seed)
    today = end or date.today()  # noqa: DTZ011 (a calendar month, not an instant)
    end_month = date(today.year, today.month, 1)
    periods = [months_before(end_month, months - i) for i in range(months)]
    customers = demo_customers(rng, household_share=household_share)
    if reset:
        for table in ("bills", "payments", "readings", "outages", "violations"):
            lake_table_clear(table=table)
    say(f"{len(customers)} customers")
    as_of = min(end_month + timedelta(days=14), date.today())  # noqa: DTZ011 (a calendar day)
    bills_n = payments_n = 0
    chunk = 2000
    for start in range(0, len(customers), chunk):
        bills, payments = _bills_and_payments(customers[start : start + chunk], periods, as_of, rng)
        facts_append(table="bills", facts=bills)
        facts_append(table="payments", facts=payments)
        bills_n += bills.num_rows
        payments_n += payments.num_rows
        say(f"bills and payments: {start + chunk}/{len(customers)}")
    metered = [c for c in customers if c.metered]
    readings_n = _readings_write(metered, end_month, reading_days, rng, say)
    outages = _outages(customers, periods, rng)
    facts_append(table="outages", facts=outages)
    violations = _violations(customers, end_month, rng)
    if violations.num_rows:
        facts_append(table="violations", facts=violations)
    households = [c for c in customers if c.recent_readings]
    # Their own stream of numbers, so that reading households changes no other fact.
    household_rng = np.random.default_rng([seed, QUARTERS])
    days = min(household_days, reading_days)
    readings_n += _readings_write(households, end_month, days, household_rng, say)
    for table in ("bills", "payments", "readings"):
        lake_compact(table=table)
    _write_truth(customers)
    counts = {r: sum(1 for c in customers if c.risk == r) for r in RISK_CLASSES}
    return DemoFactsReport(
        customers=len(customers),
        metered=len(metered) + (len(households) if days > 0 else 0),
        bills=bills_n,
        payments=payments_n,
        readings=readings_n,
        outages=outages.num_rows,
        violations=violations.num_rows,
        risk_counts=counts,
        as_of=as_of,
    )


def _readings_write(
    customers: list[DemoCustomer],
    end_month: date,
    reading_days: int,
    rng: np.random.Generator,
    say: Callable[[str], None],
) -> int:
    """Write the 15-minute readings of ``customers`` for the ``reading_days`` before
    ``end_month``, a month at a time; returns how many."""
    written = 0
    day = end_month - timedelta(days=reading_days)
    while day < end_month:
        month_end = min(months_before(date(day.year, day.month, 1), -1), end_month)
        days = (month_end - day).days
        to_end = (end_month.year - day.year) * 12 + end_month.month - day.month - 1
        for start in range(0, len(customers), 500):
            table = readings_for_month(customers[start : start + 500], day, days, rng, to_end)
            facts_append(table="readings", facts=table)
            written += table.num_rows
        say(f"readings: {day:%Y-%m}")
        day = month_end
    return written


def _outages(
    customers: list[DemoCustomer], periods: list[date], rng: np.random.Generator
) -> pa.Table:
    rows: dict[str, list[object]] = {n: [] for n in OUTAGES.names}
    count = max(10, len(customers) // 200) * len(periods) // 12
    for i in range(count):
        period = periods[int(rng.integers(0, len(periods)))]
        planned = bool(rng.random() < 0.4)
        start = datetime(
            period.year, period.month, int(rng.integers(1, 28)), tzinfo=UTC
        ) + timedelta(minutes=15 * int(rng.integers(0, 96)))
        hours = float(rng.uniform(2, 8) if planned else rng.exponential(1.5) + 0.25)
        scope = str(rng.choice(["feeder", "transformer", "customer"], p=[0.3, 0.5, 0.2]))
        scope_id = (
            customers[int(rng.integers(0, len(customers)))].account_no
            if scope == "customer"
            else f"{'FD' if scope == 'feeder' else 'TA'}{int(rng.integers(1, 400)):04d}"
        )
        for name, value in (
            ("event_id", f"OUT{period:%Y%m}{i:05d}"),
            ("scope", scope),
            ("scope_id", scope_id),
            ("planned", planned),
            ("start_at", start),
            ("end_at", start + timedelta(hours=hours)),
            (
                "cause",
                "检修" if planned else str(rng.choice(["雷击", "树障", "设备故障", "外力破坏"])),
            ),
        ):
            rows[name].append(value)
    return pa.table(rows, schema=OUTAGES.arrow)


def _violations(
    customers: list[DemoCustomer], end_month: date, rng: np.random.Generator
) -> pa.Table:
    rows: dict[str, list[object]] = {n: [] for n in VIOLATIONS.names}
    for c in customers:
        caught = c.risk == "thief" and rng.random() < 0.5 and c.event_month > 1
        illegal = c.risk == "reliable" and rng.random() < 0.004
        if not (caught or illegal):
            continue
        months_ago = int(rng.integers(0, max(1, c.event_month - 1)))
        detected = months_before(end_month, months_ago + 1) + timedelta(
            days=int(rng.integers(0, 27))
        )
        kwh = (
            round(c.mean_kw * 24 * 30 * 0.45 * (c.event_month - months_ago), 1) if caught else None
        )
        for name, value in (
            ("violation_id", f"V{c.account_no}{detected:%Y%m%d}"),
            ("account_no", c.account_no),
            ("kind", "theft" if caught else "illegal_use"),
            ("detected_on", detected),
            ("kwh_recovered", kwh),
            ("amount", Decimal(f"{(kwh or 2000) * 0.6 * 3:.2f}")),
        ):
            rows[name].append(value)
    return pa.table(rows, schema=VIOLATIONS.arrow)


def _write_truth(customers: list[DemoCustomer]) -> None:
    folder = catalog.local_root() / "_demo_truth"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "account_no": [c.account_no for c in customers],
                "shape": [c.shape for c in customers],
                "risk": [c.risk for c in customers],
                "event_months_before_end": [c.event_month for c in customers],
                "stress": [c.stress for c in customers],
                "metered": [c.metered for c in customers],
            }
        ),
        folder / "customers.parquet",
    )
