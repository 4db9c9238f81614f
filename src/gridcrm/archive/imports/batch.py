"""An import's rows, a batch at a time: judged (every cell through ``FieldSpec.clean``,
a column at a time), planned and written.

- a row with an invalid cell is rejected with a reason per column; so is a row whose
  account number already appeared higher up in the file ("duplicate of row N");
- a new account number creates a customer, which needs every applicable tier-1 field
  (``derivation.NewCustomers``);
- for a known account number, differing tier-2 and tier-3 values are applied with
  history (kind *imported*); differing tier-1 values become pending change requests of
  the importing user, never a silent overwrite; an identical pending request is not made
  twice;
- blank cells never clear stored values: an import adds and corrects, it does not erase.

Each batch costs a handful of queries whatever its size (one lookup of known accounts,
one of pending requests, bulk writes, and on PostgreSQL a ``COPY`` of new customers:
``bulkload``).
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive import registry
from gridcrm.archive.bigrams import search_bigrams
from gridcrm.archive.imports.bulkload import PgLoad
from gridcrm.archive.imports.cleaning import Cleaner, error_text
from gridcrm.archive.imports.columns import Coded, Judged, NewRows, Row
from gridcrm.archive.imports.derivation import NewCustomers
from gridcrm.archive.imports.files import Table
from gridcrm.archive.imports.header import map_header
from gridcrm.archive.imports.report import ImportReport, RejectFile
from gridcrm.archive.models import ChangeRequest, Customer, FieldChange
from gridcrm.archive.registry import FieldSpec, Tier
from gridcrm.archive.rules import published_version
from gridcrm.archive.selectors import customers_visible_to
from gridcrm.archive.services import refresh_derived
from gridcrm.core.extensions import customers_changed
from gridcrm.core.faults import pause_point
from gridcrm.users.roles import COMPANY_WIDE_ROLES
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.users.models import User

BATCH_SIZE = 20_000


@dataclass
class Plan:
    """What one batch will write."""

    new: NewRows | None = None
    updated: list[Customer] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    history: list[FieldChange] = field(default_factory=list)
    requests: list[ChangeRequest] = field(default_factory=list)


class CustomerImport:
    """One import of one file: ``run`` reads it a batch at a time and returns the report."""

    def __init__(
        self,
        *,
        table: Table,
        filename: str,
        acting_user: User,
        dry_run: bool,
        reject_path: Path,
        progress: Callable[[int, int], None] | None,
        batch_size: int,
    ) -> None:
        self.table = table
        self.filename = filename
        self.acting_user = acting_user
        self.dry_run = dry_run
        self.progress = progress
        self.batch_size = batch_size
        self.specs = registry.all_specs()
        self.by_name = {s.name: s for s in self.specs}
        self.mapping = map_header(table.header, self.specs)
        self.cleaners = [Cleaner(s) if s else None for s in self.mapping.specs]
        # Errors name a column as the file does; a field without a column by its label.
        self.column_text = {
            s.name: text.strip()
            for s, text in zip(self.mapping.specs, table.header, strict=False)
            if s is not None
        }
        version = published_version()
        self.rules = list(version.rules.select_related("version")) if version else []
        self.new_customers = NewCustomers(self.specs, self.rules)
        self.seen: dict[str, int] = {}
        self._originals: dict[int, list[str]] = {}
        self.report = ImportReport(
            filename=filename,
            dry_run=dry_run,
            columns=[str(s.name) for s in self.mapping.specs if s],
            ignored_columns=self.mapping.ignored,
        )
        self.rejects = RejectFile(report=self.report, header=table.header, path=reject_path)
        self.reject = self.rejects.reject
        self.may_request = acting_user.has_perm("archive.request_customer_change")
        self.scoped = not (
            acting_user.is_superuser or user_roles(user=acting_user) & COMPANY_WIDE_ROLES
        )
        self.connection = connections[router.db_for_write(Customer)]
        self.pg = PgLoad(connection=self.connection, dry_run=dry_run)

    # -- a batch of rows, column by column
    def judge_batch(self, rows: list[tuple[int, list[str]]]) -> Judged:
        """The rows that pass every cell's cleaning (``Cleaner.clean_column``), a column at
        a time; the others are rejected with their reasons."""
        width = len(self.cleaners)
        if not self._all_plain(rows):
            candidates: list[tuple[int, list[str]]] = []
            for row_no, cells in rows:
                if self._row_refused(row_no, cells):
                    continue
                if len(cells) != width:
                    cells = (cells + [""] * width)[:width]  # missing cells are blank
                candidates.append((row_no, cells))
            rows = candidates
        numbers = [row_no for row_no, _cells in rows]
        all_cells = [cells for _row_no, cells in rows]
        names: list[str] = []
        cleaned: list[list[Any] | Coded] = []
        filled: list[Any] = []
        errors: dict[int, list[tuple[str, str]]] = {}
        if rows:
            for cleaner, raws in zip(self.cleaners, zip(*all_cells, strict=True), strict=True):
                if cleaner is None:
                    continue
                values, failed = cleaner.clean_column(raws)
                names.append(cleaner.spec.name)
                cleaned.append(values)
                filled.append(cleaner.filled(values))
                if failed:
                    column = self.column_text[cleaner.spec.name]
                    for index, exc in failed.items():
                        errors.setdefault(index, []).append((column, error_text(exc)))
        # Rejects keep the cells as the file has them.
        originals = self._originals
        if originals:
            all_cells = [originals.get(n, c) for n, c in zip(numbers, all_cells, strict=True)]
            originals.clear()
        judged = Judged(numbers, all_cells, names, cleaned, filled)
        if not errors:
            return judged
        for index in sorted(errors):
            self.reject(numbers[index], all_cells[index], errors[index])
        return judged.take([i for i in range(len(numbers)) if i not in errors])

    def _all_plain(self, rows: list[tuple[int, list[str]]]) -> bool:
        """Whether every row has the header's width and an account number not seen
        before, in the file or in this batch; then they are remembered as seen (rows
        that are not all plain go through ``_row_refused`` one by one)."""
        width = len(self.cleaners)
        if any(len(cells) != width for _row_no, cells in rows):
            return False
        at = self.mapping.account_index
        accounts = [cells[at].strip() for _row_no, cells in rows]
        distinct = set(accounts)
        if (
            "" in distinct
            or len(distinct) != len(accounts)
            or not self.seen.keys().isdisjoint(distinct)
        ):
            return False
        self.seen.update(zip(accounts, (row_no for row_no, _cells in rows), strict=False))
        return True

    def _row_refused(self, row_no: int, cells: list[str]) -> bool:
        """The checks of a row as a whole (too many cells, a duplicate account number);
        rejects it and answers ``True`` when one fails."""
        width = len(self.cleaners)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            self.reject(row_no, cells, [("", _("The row has more cells than the header."))])
            return True
        if len(cells) != width:
            self._originals[row_no] = cells  # rejects keep the cells as the file has them
        account_raw = (
            cells[self.mapping.account_index].strip()
            if len(cells) > self.mapping.account_index
            else ""
        )
        if account_raw:
            first = self.seen.get(account_raw)
            if first is not None:
                self.reject(
                    row_no,
                    cells,
                    [
                        (
                            self.column_of(self.by_name["account_no"]),
                            _("Duplicate of row %(row)s.") % {"row": first},
                        )
                    ],
                )
                return True
            self.seen[account_raw] = row_no
        return False

    def column_of(self, field_spec: FieldSpec) -> str:
        return self.column_text.get(field_spec.name) or str(field_spec.label)

    def _reason(self, number: int) -> str:
        return f"import {self.filename} row {number}"[:500]

    def plan_existing(
        self, row: Row, customer: Customer, pending: set[tuple[int, str, str]], plan: Plan
    ) -> None:
        direct: list[tuple[FieldSpec, Any, Any]] = []
        tier1: list[tuple[FieldSpec, Any]] = []
        for name, value in row.values.items():
            field_spec = self.by_name[name]
            old = field_spec.get(customer)
            if old == value or (field_spec.is_blank(old) and field_spec.is_blank(value)):
                continue
            if field_spec.tier == Tier.ONE:
                tier1.append((field_spec, value))
            else:
                direct.append((field_spec, old, value))
        requests = []
        for field_spec, value in tier1:
            text = field_spec.to_text(value)
            key = (customer.pk, field_spec.name, text)
            if key in pending:
                continue
            pending.add(key)
            requests.append(
                ChangeRequest(
                    customer=customer,
                    field=field_spec.name,
                    old_value=field_spec.to_text(field_spec.get(customer)),
                    new_value=text,
                    reason=self._reason(row.number),
                    requested_by=self.acting_user,
                )
            )
        if requests and not self.may_request:
            self.reject(
                row.number,
                row.cells,
                [
                    (
                        self.column_of(self.by_name[r.field]),
                        _("Your role may not request changes of tier-1 data."),
                    )
                    for r in requests
                ],
            )
            return
        plan.requests.extend(requests)
        self.report.change_requests += len(requests)
        if not direct:
            if requests:
                self.report.requested += 1
            else:
                self.report.unchanged += 1
            return
        reason = self._reason(row.number)
        for field_spec, old, value in direct:
            field_spec.set(customer, value)
            plan.history.append(
                FieldChange(
                    customer=customer,
                    field=field_spec.name,
                    old_value=field_spec.to_text(old),
                    new_value=field_spec.to_text(value),
                    acting_user=self.acting_user,
                    kind=FieldChange.Kind.IMPORTED,
                    reason=reason,
                )
            )
            plan.update_fields.add("extra" if field_spec.custom else field_spec.column.attname)
        for name, (old, new) in refresh_derived(customer, self.specs, self.rules).items():
            plan.update_fields.add(name)
            if name in self.by_name:
                plan.history.append(
                    FieldChange(
                        customer=customer,
                        field=name,
                        old_value=self.by_name[name].to_text(old),
                        new_value=self.by_name[name].to_text(new),
                        acting_user=None,
                        kind=FieldChange.Kind.DERIVED,
                    )
                )
        customer.version += 1
        plan.updated.append(customer)
        self.report.updated += 1

    # -- a batch
    def run_batch(self, judged: Judged) -> None:
        accounts = judged.account_nos()
        with transaction.atomic():
            known = Customer.objects.all()
            if self.connection.vendor == "postgresql":
                # One text parameter rather than thousands of placeholders or an array's
                # elements to send (account numbers are ten digits: no comma).
                known = known.filter(
                    RawSQL(
                        "archive_customer.account_no = ANY(string_to_array(%s, ','))",
                        (",".join(a for a in accounts if a),),
                        output_field=BooleanField(),
                    )
                )
            else:
                known = known.filter(account_no__in=[a for a in accounts if a])
            if not self.dry_run:
                known = known.select_for_update()
            existing = {c.account_no: c for c in known}
            plan = Plan()
            if existing:
                self.plan_known(judged, accounts, existing, plan)
                judged = judged.take([i for i, a in enumerate(accounts) if a not in existing])
            plan.new, missing = self.new_customers.plan(judged)
            for row, fields in missing:
                self.reject(
                    row.number,
                    row.cells,
                    [(self.column_of(s), _("This tier-1 field is required.")) for s in fields],
                )
            self.report.created += len(plan.new or ())
            if not self.dry_run:
                self.write(plan)
            pause_point("archive.import.batch")
        self.rejects.flush()

    def plan_known(
        self, judged: Judged, accounts: list[str], existing: dict[str, Customer], plan: Plan
    ) -> None:
        """The rows of customers the archive holds, one by one."""
        visible: set[int] | None = None
        if self.scoped:
            visible = set(
                customers_visible_to(user=self.acting_user)
                .filter(pk__in=[c.pk for c in existing.values()])
                .values_list("pk", flat=True)
            )
        pending = set(
            ChangeRequest.objects.filter(
                customer__in=[c.pk for c in existing.values()],
                status=ChangeRequest.Status.PENDING,
            ).values_list("customer_id", "field", "new_value")
        )
        for index, account in enumerate(accounts):
            customer = existing.get(account)
            if customer is None:
                continue
            row = judged.row(index)
            if visible is not None and customer.pk not in visible:
                self.reject(
                    row.number,
                    row.cells,
                    [
                        (
                            self.column_of(self.by_name["account_no"]),
                            _("This customer is outside your scope."),
                        )
                    ],
                )
            else:
                self.plan_existing(row, customer, pending, plan)

    def write(self, plan: Plan) -> None:
        if plan.new:
            if self.connection.vendor == "postgresql":
                self.pg.copy_new(
                    plan.new,
                    acting_user_id=self.acting_user.pk,
                    reasons=self._reasons(plan.new.numbers),
                )
            else:
                self._insert_new(plan.new)
        if plan.updated:
            now = timezone.now()
            for customer in plan.updated:
                customer.updated_at = now
            Customer.objects.bulk_update(
                plan.updated, sorted(plan.update_fields | {"version", "updated_at"}), batch_size=500
            )
        if plan.history:
            FieldChange.objects.bulk_create(plan.history, batch_size=1000)
        if plan.requests:
            ChangeRequest.objects.bulk_create(plan.requests, batch_size=1000)
        if plan.updated:
            _followers_told(plan.history)

    def _reasons(self, numbers: list[int]) -> list[str]:
        return [self._reason(number) for number in numbers]

    def _insert_new(self, new: NewRows) -> None:
        customers = Customer.objects.bulk_create(
            [
                Customer(**attrs, search_bigrams=search_bigrams(attrs["name"], attrs["address"]))
                for attrs in new.attrs()
            ],
            batch_size=500,
        )
        FieldChange.objects.bulk_create(
            [
                FieldChange(
                    customer=customer,
                    field="account_no",
                    new_value=customer.account_no,
                    acting_user=self.acting_user,
                    kind=FieldChange.Kind.IMPORTED,
                    reason=reason,
                )
                for customer, reason in zip(customers, self._reasons(new.numbers), strict=True)
            ],
            batch_size=1000,
        )

    def run(self) -> ImportReport:
        started = timezone.now()
        total = self.table.total
        rows = self.table.rows
        try:
            with self.pg.first_load_deferred(), _collector_paused() as batch_done:
                try:
                    while chunk := list(itertools.islice(rows, self.batch_size)):
                        batch = [row for row in chunk if "".join(row[1]).strip()]  # not blank
                        self.report.rows += len(batch)
                        judged = self.judge_batch(batch) if batch else None
                        if judged:
                            self.run_batch(judged)
                        batch_done()
                        if self.progress is not None:
                            done = self.report.rows
                            self.progress(done, max(total, done))
                    self.rejects.flush()
                    self.pg.writer.close()
                finally:
                    self.pg.writer.shutdown()
        finally:
            self.rejects.close()
        if self.progress is not None:
            self.progress(self.report.rows, self.report.rows)
        self.report.seconds = round((timezone.now() - started).total_seconds(), 3)
        return self.report


@contextmanager
def _collector_paused(every: int = 10) -> Iterator[Callable[[], None]]:
    """Python's cycle collector paused for the import, run once every ``every`` batches.

    A batch makes hundreds of thousands of small objects (cells, keys, columns); the
    collector, counting them, ran many times a batch and walked the batch's live objects
    each time: a quarter of the import's Python time at a million rows. The import's
    objects make no cycles (a run over 200,000 rows collected none), so a collection of
    the young generations now and then only guards against a library's; after each batch
    it cost 2 s of a million rows' 35."""
    enabled = gc.isenabled()
    gc.disable()
    batches = itertools.count(1)

    def batch_done() -> None:
        if next(batches) % every == 0:
            gc.collect(1)

    try:
        yield batch_done
    finally:
        if enabled:
            gc.enable()


def _followers_told(history: list[FieldChange]) -> None:
    """Tell the followers of customer changes (``core.extensions.customers_changed``),
    inside the batch's transaction, which known customers' fields the batch changed: one
    call per set of changed fields, so each follower hears only of what changed."""
    changed: dict[int, set[str]] = {}
    for change in history:
        changed.setdefault(change.customer_id, set()).add(change.field)
    customers_by_fields: dict[frozenset[str], list[int]] = {}
    for customer_id, names in changed.items():
        customers_by_fields.setdefault(frozenset(names), []).append(customer_id)
    for fields, customer_ids in customers_by_fields.items():
        customers_changed(customer_ids=customer_ids, fields=fields)
