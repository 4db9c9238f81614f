"""The typed schemas of the facts the lake holds (documented in ``docs/lake.md``).

A fact table is append-only and partitioned by the calendar month (local time,
Asia/Shanghai) of one of its columns. Each schema names its key: two facts with the
same key are the same fact, which is what makes imports idempotent.

Conventions, the same in every table:

- ``account_no`` is the customer's ten-digit account number (户号), the key the
  billing and metering systems know; the lake never stores OLTP primary keys.
- Money is ``decimal(12, 2)`` yuan; energy is ``float64`` kWh; power ``float64`` kW.
- Instants are ``timestamp[us, UTC]``. Files may give them in local time without an
  offset: that is Asia/Shanghai, UTC+8 all year (China has had no daylight saving
  time since 1991), so the grid of 15-minute intervals is the same in both.
- An interval reading's ``ts`` is the *start* of its 15-minute interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import pyarrow as pa
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from gridcrm.lake.errors import UnknownTable

MONEY = pa.decimal128(12, 2)
INSTANT = pa.timestamp("us", tz="UTC")
INTERVAL_SECONDS = 15 * 60
LOCAL_UTC_OFFSET_HOURS = 8  # Asia/Shanghai, no DST
Compression = Literal["zstd", "lz4"]
"""Parquet codecs of the lake's files, as DuckDB and pyarrow both name them."""


class PaymentChannel(StrEnum):
    COUNTER = "counter"  # 营业厅柜台
    BANK_DEDUCTION = "bank_deduction"  # 银行代扣
    APP = "app"  # 网上国网 app
    WECHAT = "wechat"
    ALIPAY = "alipay"
    PREPAID = "prepaid"  # 预付费 / 费控


class PaymentKind(StrEnum):
    PAYMENT = "payment"  # 缴费, against one bill
    REVERSAL = "reversal"  # 冲正: takes back an earlier payment in full
    ADVANCE = "advance"  # 预存: money on account, against no bill


class OutageScope(StrEnum):
    FEEDER = "feeder"
    TRANSFORMER = "transformer"
    CUSTOMER = "customer"


class ViolationKind(StrEnum):
    THEFT = "theft"  # 窃电
    ILLEGAL_USE = "illegal_use"  # 违约用电


TARIFFS = ("residential", "general_ci", "large_industry", "agriculture")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    required: bool = True
    """A required column must be in every file; an optional one may be absent (null)."""
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None
    """The value an absent or empty cell of a text column stands for (columns added to a
    table later have one, so that earlier files and files without them keep their
    meaning)."""


@dataclass(frozen=True)
class FactSchema:
    """One fact table: its columns, key and partitioning."""

    name: str
    doc: StrOrPromise
    """What the table holds, in words (shown on the lake page in the reader's language)."""
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    month_of: str
    """The column whose local calendar month is the partition."""
    customer_column: str | None = "account_no"
    """The column that must name a known customer (checked on import), if any."""
    on_grid: tuple[str, ...] = field(default=())
    """Instant columns that must fall on the 15-minute grid."""
    compression: Compression = "zstd"
    """The Parquet codec of the table's files."""
    added: tuple[str, ...] = field(default=())
    """Columns added after files were first written: earlier files lack them, so readers
    merge the files' schemas by name and fill them with the column's default (or null)."""

    @property
    def arrow(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_ACCOUNT = Column("account_no", pa.string(), "the customer's account number (户号), 10 digits")


def _kwh(name: str, doc: str) -> Column:
    return Column(name, pa.float64(), doc, minimum=0.0, maximum=1e9)


BILLS = FactSchema(
    name="bills",
    doc=gettext_lazy(
        "Monthly electricity bills from the billing system, one per customer and period."
    ),
    columns=(
        Column("bill_id", pa.string(), "the billing system's id of the bill"),
        _ACCOUNT,
        Column("period", pa.date32(), "the billed month (its first day)"),
        Column("tariff", pa.string(), "tariff category of the bill", choices=TARIFFS),
        _kwh("kwh_sharp", "kWh in critical-peak (尖峰) periods"),
        _kwh("kwh_peak", "kWh in peak (峰) periods"),
        _kwh("kwh_flat", "kWh in flat (平) periods"),
        _kwh("kwh_valley", "kWh in valley (谷) periods"),
        Column("amount", MONEY, "amount due, yuan", minimum=0.0, maximum=1e9),
        Column("due_on", pa.date32(), "the day payment is due"),
    ),
    key=("bill_id",),
    month_of="period",
)

PAYMENTS = FactSchema(
    name="payments",
    doc=gettext_lazy(
        "Payments against bills, from the billing system; a bill may be paid in parts. "
        "A reversal (冲正) takes back an earlier payment in full; an advance payment "
        "(预存) is money on the account against no bill."
    ),
    columns=(
        Column("payment_id", pa.string(), "the billing system's id of the payment"),
        Column(
            "bill_id",
            pa.string(),
            "the bill paid (must already be in the lake); empty for an advance payment, "
            "and for a reversal the bill of the payment it reverses",
            nullable=True,
        ),
        _ACCOUNT,
        Column("paid_on", pa.date32(), "the day the money arrived (or was taken back)"),
        Column("amount", MONEY, "amount paid (or reversed), yuan", minimum=0.01, maximum=1e9),
        Column(
            "channel",
            pa.string(),
            "counter, bank_deduction, app, wechat, alipay or prepaid",
            choices=tuple(PaymentChannel),
        ),
        Column(
            "kind",
            pa.string(),
            "payment (the default), reversal or advance",
            required=False,
            choices=tuple(PaymentKind),
            default=PaymentKind.PAYMENT.value,
        ),
        Column(
            "reverses",
            pa.string(),
            "for a reversal: the payment_id it takes back",
            required=False,
            nullable=True,
        ),
    ),
    key=("payment_id",),
    month_of="paid_on",
    added=("kind", "reverses"),
)

READINGS = FactSchema(
    name="readings",
    doc=gettext_lazy("15-minute interval readings from the metering system."),
    columns=(
        _ACCOUNT,
        Column("meter_no", pa.string(), "the meter's asset number"),
        Column("ts", INSTANT, "start of the 15-minute interval"),
        Column("kwh", pa.float64(), "energy in the interval, kWh", minimum=0.0, maximum=1e6),
        Column(
            "kw",
            pa.float64(),
            "instantaneous active power at the end of the interval, kW",
            required=False,
            nullable=True,
            minimum=0.0,
            maximum=4e6,
        ),
        Column(
            "power_factor",
            pa.float64(),
            "power factor",
            required=False,
            nullable=True,
            minimum=0.0,
            maximum=1.0,
        ),
    ),
    key=("account_no", "meter_no", "ts"),
    month_of="ts",
    on_grid=("ts",),
    # Every feature run decodes all readings: with LZ4 that scan costs about a sixth
    # less CPU than with zstd, for files 12 % larger (interval kWh barely compress).
    compression="lz4",
)

OUTAGES = FactSchema(
    name="outages",
    doc=gettext_lazy(
        "Outage and fault events on a feeder, a transformer or one customer's supply."
    ),
    columns=(
        Column("event_id", pa.string(), "the dispatching system's id of the event"),
        Column("scope", pa.string(), "feeder, transformer or customer", choices=tuple(OutageScope)),
        Column("scope_id", pa.string(), "the feeder, transformer area or account number"),
        Column("planned", pa.bool_(), "a planned outage (notice given) or a fault"),
        Column("start_at", INSTANT, "when supply stopped"),
        Column("end_at", INSTANT, "when supply returned (null while ongoing)", nullable=True),
        Column("cause", pa.string(), "free-text cause", required=False, nullable=True),
    ),
    key=("event_id",),
    month_of="start_at",
    customer_column=None,
)

VIOLATIONS = FactSchema(
    name="violations",
    doc=gettext_lazy("Electricity theft and illegal use found by inspection."),
    columns=(
        Column("violation_id", pa.string(), "the inspection system's id"),
        _ACCOUNT,
        Column("kind", pa.string(), "theft or illegal_use", choices=tuple(ViolationKind)),
        Column("detected_on", pa.date32(), "the day it was found"),
        Column(
            "kwh_recovered",
            pa.float64(),
            "energy billed back, kWh",
            nullable=True,
            required=False,
            minimum=0.0,
            maximum=1e9,
        ),
        Column("amount", MONEY, "charges and penalties, yuan", nullable=True, required=False),
    ),
    key=("violation_id",),
    month_of="detected_on",
)

FACT_TABLES: dict[str, FactSchema] = {
    s.name: s for s in (BILLS, PAYMENTS, READINGS, OUTAGES, VIOLATIONS)
}


def fact_schema(name: str) -> FactSchema:
    """The schema of a fact table; ``lake.unknown_table`` names the known ones."""
    schema = FACT_TABLES.get(name)
    if schema is None:
        raise UnknownTable(
            _("Unknown fact table %(name)s; known: %(known)s.")
            % {"name": repr(name), "known": ", ".join(FACT_TABLES)},
            fields={"table": _("Not a fact table of the lake.")},
        )
    return schema
