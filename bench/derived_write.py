"""Benchmark: writing derived fields back to the archive (``customers_facts_apply``).

Runs against a database that holds the demo company (``DATABASE_URL``; build it with
``gridcrm demo_data --customers N``). For ``--customers`` customers it clears the
equipment fields and recomputes them with ``grid.services.equipment_derive`` — the
archive's ``customers_facts_apply`` writes only the columns that moved, 500 rows a
statement — against the baseline, in the same process on the same rows: the write as it
was, Django's ``bulk_update`` of every derived column (the personal hashes and search
bigrams included) 2,000 rows a statement, timed alone (without the summaries and rules
the service also computes, so the ratio understates the gain). Each run is rolled back.
Prints the seconds, the milliseconds a customer and the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridcrm_demo \\
      .venv/bin/python bench/derived_write.py --customers 6000
"""

from __future__ import annotations

import argparse
import os
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=6000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
    django.setup()
    from django.db import transaction

    from gridcrm.archive.models import Customer
    from gridcrm.archive.services import DERIVED_COLUMNS
    from gridcrm.grid.services import equipment_derive, equipment_summaries

    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[: args.customers])
    equipment = ["backup_power_kw", "meter_count", "meter_kind", "transformer_count"]
    cleared = {name: None for name in [*equipment, "transformer_kva"]} | {"meter_kind": ""}

    def baseline() -> float:
        values = equipment_summaries(customer_ids=ids)
        names = sorted({n for row in values.values() for n in row})
        columns = [*names, *DERIVED_COLUMNS, "completeness", "rules_fired"]
        customers = list(Customer.objects.filter(pk__in=ids))
        started = time.perf_counter()
        Customer.objects.bulk_update(customers, columns, batch_size=2000)
        return time.perf_counter() - started

    def service() -> float:
        Customer.objects.filter(pk__in=ids).update(**cleared)
        started = time.perf_counter()
        changed = equipment_derive(customer_ids=ids)
        elapsed = time.perf_counter() - started
        assert changed == len(ids), f"{changed} of {len(ids)} customers changed"
        return elapsed

    rows = []
    runs = (
        ("baseline: the old write alone, bulk_update of every derived column", baseline),
        ("equipment_derive: summaries, rules, completeness and the write", service),
    )
    for name, run in runs:
        with transaction.atomic():
            seconds = run()
            transaction.set_rollback(True)
        rows.append((name, seconds))
    base = rows[0][1]
    print(f"| write ({len(ids):,} customers) | s | ms a customer | ÷ baseline |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in rows:
        per = seconds / len(ids) * 1000
        print(f"| {name} | {seconds:.2f} | {per:.2f} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
