"""Writing the demo's customers: a plain parameterised INSERT (``COPY`` on PostgreSQL),
with the derived fields computed by the archive's own :class:`Deriver`, as an import
would."""

from __future__ import annotations

import itertools
import operator
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.db import connections, models, router
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from gridcrm.archive import registry
from gridcrm.archive.choices import Segment
from gridcrm.archive.demo.draw import batches
from gridcrm.archive.demo.places import SEGMENT_ORDER
from gridcrm.archive.demo.rows import CustomerRow, customer_rows
from gridcrm.archive.imports import Deriver
from gridcrm.archive.models import Customer
from gridcrm.archive.personal import SEALED_FIELDS
from gridcrm.archive.services import published_rules
from gridcrm.core.sealing import keyring

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

    from gridcrm.users.models import User

MAX_CUSTOMERS = 1_000_000
BATCH_SIZE = 5000


@dataclass(frozen=True, slots=True)
class CustomersWritten:
    """What :func:`customers_write` created."""

    customers: int
    by_segment: dict[str, int]
    key_accounts: int
    # The first household: the portal login's own account.
    portal_account_no: str | None
    portal_name: str | None
    seconds: float


# CustomerRow fields that are stored under the same name.
_STORED = (
    "account_no",
    "name",
    "certificate_type",
    "certificate_no",
    "segment",
    "tariff_category",
    "tariff_structure",
    "billing_method",
    "tou_applied",
    "voltage_level",
    "address",
    "phone",
    "industry_code",
    "contact_person",
    "transformer_area",
    "importance_class",
    "production_shifts",
    "employees",
    "meter_kind",
    "meter_count",
    "transformer_count",
    "payment_method",
    "phone_alt",
    "preferred_channel",
    "e_bill",
)
_DECIMALS = ("contracted_kva", "transformer_kva", "backup_power_kw", "deposit_yuan")
# Fields some customers leave blank.
_OPTIONAL = (
    "contact_person",
    "transformer_area",
    "importance_class",
    "production_shifts",
    "employees",
    "meter_kind",
    "meter_count",
    "transformer_count",
    "transformer_kva",
    "backup_power_kw",
    "payment_method",
    "deposit_yuan",
    "phone_alt",
    "preferred_channel",
    "e_bill",
)


def _is_auto_now(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


class _Draft:
    """A customer-to-be, read and completed by the archive's derivations like a Customer.

    The row's values live in ``__dict__``; every other attribute is the model
    default, from ``defaults`` (set on the subclass :class:`_CustomerInsert` makes).
    """

    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.defaults[name]
        except KeyError:
            raise AttributeError(name) from None


class _CustomerInsert:
    """A plain parameterised INSERT of customers, built from the model's own fields.

    ``bulk_create`` runs every value of every row through the ORM's field
    preparation: about 100 µs a customer at 15 columns, several times too slow for
    a million rows and slower with every column the archive gains. Here each
    column's default is prepared once into a template row; a customer copies it
    and sets the values it has, preparing only JSON and the bigram keys. A new field
    with a default needs no change. The INSERT is portable (``%s`` placeholders through Django's
    cursor, quoted names); on PostgreSQL the same rows go through ``COPY``.
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        opts = Customer._meta
        fields = [f for f in opts.concrete_fields if not isinstance(f, AutoFieldMixin)]
        now = timezone.now()
        self.connection = connection
        defaults = {f.attname: now if _is_auto_now(f) else f.get_default() for f in fields}

        class Draft(_Draft):
            pass

        Draft.defaults = defaults
        self.draft = Draft
        self.position = {f.attname: i for i, f in enumerate(fields)}
        # Values the database driver cannot take as they are (JSON, the bigram keys).
        self.json = {
            f.attname: f
            for f in fields
            if f.get_internal_type() in {"JSONField", "SearchKeysField"}
        }
        self.template = [
            f.get_db_prep_save(defaults[f.attname], connection)
            if f.attname in self.json or _is_auto_now(f)
            else defaults[f.attname]
            for f in fields
        ]
        # Most customers fire no rule: an empty JSON value is prepared once per column.
        self.empty_json: dict[tuple[str, type], Any] = {}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Only the model's quoted table and column names go into the text; values are bound.
        table = quote(opts.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def params(self, draft: _Draft) -> list[Any]:
        """The INSERT's parameters for one customer."""
        values = list(self.template)
        position = self.position
        given = draft.__dict__
        for name, value in given.items():
            values[position[name]] = value
        # The INSERT passes no value through the fields: sealed here, as they would seal.
        seal = keyring().seal
        for name in SEALED_FIELDS:
            value = given.get(name)
            if value:
                values[position[name]] = seal(value)
        for name, field in self.json.items():
            if name not in given:
                continue
            value = given[name]
            key = (name, type(value))
            if not value and key in self.empty_json:
                values[position[name]] = self.empty_json[key]
                continue
            prepared = field.get_db_prep_save(value, self.connection)
            if not value:
                self.empty_json[key] = prepared
            values[position[name]] = prepared
        return values

    def write(self, cursor: CursorWrapper, rows: Sequence[Sequence[Any]]) -> None:
        """Insert customers, each given by :meth:`params`."""
        if self.connection.vendor == "postgresql":
            # COPY, as the archive's import does: executemany through Django's
            # client-side binding quotes every value in Python, several times slower.
            raw = cast(Any, cursor).cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # One statement, many parameter rows: SQLite reuses the prepared statement.
        cursor.executemany(self.sql, rows)


def customers_write(
    *,
    customers: int,
    seed: int,
    station_ids: Mapping[str, int],
    manager_of_district: Mapping[str, int],
    district_of: Mapping[str, str],
    on_batch: Callable[[int], None] | None = None,
) -> CustomersWritten:
    """Insert ``customers`` customers drawn from ``seed`` into the stations' regions.

    ``station_ids`` maps a station code to its region's key, ``district_of`` a station
    code to its district's, ``manager_of_district`` a district code to the key of the
    key-account manager who looks after its key accounts. The derived fields (the
    hashes of phones and certificate numbers, segment, completeness, the published
    mapping rules' targets) are computed by the archive's own :class:`Deriver`, as for
    an import; phones and certificate numbers are sealed. Call inside a
    transaction; ``on_batch`` is told how many customers each insert wrote.
    """
    if not 0 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 0 and {MAX_CUSTOMERS:,}")
    decimals: dict[int, Decimal] = {}
    by_segment: Counter[str] = Counter()
    key_accounts = 0
    portal: CustomerRow | None = None
    deriver = Deriver(registry.all_specs(), published_rules())
    stored = operator.attrgetter(*_STORED)
    numbers = operator.attrgetter(*_DECIMALS)
    optional = operator.attrgetter(*_OPTIONAL)
    # Which optional fields a customer has keys the Deriver's completeness memo.
    filled_sets: dict[tuple[bool, ...], frozenset[str]] = {}
    # Demo data, not secrets: a seeded, reproducible generator is the point.
    rows = customer_rows(random.Random(seed), customers)  # noqa: S311
    started = time.perf_counter()
    connection = connections[router.db_for_write(Customer)]
    insert = _CustomerInsert(connection)
    with connection.cursor() as cursor:
        for batch in batches(rows, BATCH_SIZE):
            params = []
            for row in batch:
                if portal is None and row.segment == Segment.RESIDENTIAL:
                    portal = row
                manager_id = None
                if row.key_account:
                    manager_id = manager_of_district[district_of[row.station_code]]
                    key_accounts += 1
                by_segment[row.segment] += 1
                values = dict(zip(_STORED, stored(row), strict=True))
                for name, number in zip(_DECIMALS, numbers(row), strict=True):
                    if number is not None and number not in decimals:
                        decimals[number] = Decimal(number)
                    values[name] = None if number is None else decimals[number]
                values["region_id"] = station_ids[row.station_code]
                values["account_manager_id"] = manager_id
                draft = insert.draft(values)
                known = tuple(v is not None and v != "" for v in optional(row))
                filled = filled_sets.get(known)
                if filled is None:
                    filled = filled_sets[known] = frozenset(itertools.compress(_OPTIONAL, known))
                deriver.derive(cast(Any, draft), filled)
                params.append(insert.params(draft))
            insert.write(cursor, params)
            if on_batch is not None:
                on_batch(len(params))
    return CustomersWritten(
        customers=sum(by_segment.values()),
        by_segment={s.value: by_segment[s] for s in SEGMENT_ORDER},
        key_accounts=key_accounts,
        portal_account_no=portal.account_no if portal else None,
        portal_name=portal.name if portal else None,
        seconds=time.perf_counter() - started,
    )


def portal_link(*, account_no: str, user: User) -> None:
    """Make ``user`` the portal login of the customer ``account_no``."""
    Customer.objects.filter(account_no=account_no).update(portal_user=user)
