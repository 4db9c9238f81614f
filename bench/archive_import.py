"""Benchmark: customer import rate (rows/s), bulk import beside a row-by-row baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridcrm_bench \\
        .venv/bin/python bench/archive_import.py --rows 1000000

1. ``gridcrm migrate`` and the demo company's regions and logins
   (``gridcrm demo_data --customers 1 --seed 1 --reset``), then the customer tables are
   emptied: the import goes into an empty archive, as a first load would. The demo's
   mapping rules are published if no rules are, so every new customer goes through them.
2. A CSV of ``--rows`` customers with every importable registry column and realistic
   values (the demo generator's names, addresses, phones and tariffs; valid certificate
   numbers; tier-2/3 values with gaps) is written once and reused.
3. Baseline: ``services.customer_create`` row by row on the first ``--baseline-rows``
   rows (the ORM, one service call per row), timed, then emptied again.
4. Bulk: ``imports.customers_import`` on the whole file, timed (into the empty archive
   it drops the secondary indexes and the foreign keys of the customer and history tables
   and makes them again at the end; that is in the time).
5. Floor (PostgreSQL): the database's own share alone — the imported rows copied out,
   ``COPY``-ed into a bare copy of the table, and every index of ``archive_customer``
   built on it, each timed. No import of these rows with these indexes can be faster on
   this machine, whatever the Python side does.

Prints rows/s of each and their ratio, and for the bulk import and each floor step the
CPU seconds of this Python process (all threads) and of the database's PostgreSQL
backends (same host, read from ``/proc``): the figures that survive a shared machine.
Target: at least 20,000 rows/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import translation  # noqa: E402

from gridcrm.archive.imports import (  # noqa: E402
    BATCH_SIZE,
    INDEX_BUILD_MEMORY,
    customers_import,
)
from gridcrm.archive.models import ChangeRequest, Customer, DisclosureEvent, FieldChange  # noqa: E402
from gridcrm.archive.rules import published_version  # noqa: E402
from gridcrm.archive.services import customer_create, rules_publish  # noqa: E402
from gridcrm.archive.validators import resident_id_check_char, uscc_check_char  # noqa: E402
from gridcrm.demo.enrich import DEMO_RULES  # noqa: E402
from gridcrm.users.models import User  # noqa: E402

# The importable columns of the registry this file fills (derived ones are not imported).
COLUMNS = [
    "account_no",
    "name",
    "certificate_type",
    "certificate_no",
    "phone",
    "address",
    "region",
    "industry_code",
    "tariff_category",
    "tariff_structure",
    "voltage_level",
    "contracted_kva",
    "contact_person",
    "transformer_area",
    "importance_class",
    "production_shifts",
    "phone_alt",
    "employees",
    "meter_kind",
    "meter_count",
    "transformer_count",
    "transformer_kva",
    "payment_method",
    "preferred_channel",
    "e_bill",
    "billing_method",
    "tou_applied",
    "deposit_yuan",
]


def resident_id(rng: random.Random) -> str:
    area = rng.choice(["140302", "140303", "140311", "140321", "140322"])
    born = f"{rng.randint(1940, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"{area}{born}{rng.randint(0, 999):03d}"
    return first17 + resident_id_check_char(first17)


def uscc(rng: random.Random) -> str:
    first17 = f"91140300MA0{rng.randint(0, 999_999):06d}"
    return first17 + uscc_check_char(first17)


_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "建国秀英志强丽华文博慧敏晓燕明婷静磊帆峰涛军红霞平勇杰娟艳芳斌超"
_TRADES = ["煤业", "耐材", "商贸", "水泥"]
_STREETS = ["德胜街", "桃北西街", "南大街", "北大街", "义井街", "赛鱼路", "东华街", "新建路"]


class _Row:
    """A customer of the fallback generator (the demo generator's ``CustomerRow`` shape)."""

    def __init__(self, rng: random.Random, n: int) -> None:
        station = rng.randint(1, 10)
        self.station_code = f"YQ0{(station + 1) // 2}0{2 - station % 2}"
        self.account_no = f"{station:02d}{n:08d}"
        household = rng.random() < 0.85
        self.segment = "residential" if household else rng.choice(["industrial", "commercial"])
        self.name = (
            rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.randint(1, 2)))
            if household
            else f"阳泉市{rng.choice(_STREETS)[:2]}{rng.choice(_TRADES)}有限公司"
        )
        self.contracted_kva = (
            rng.choice([4, 6, 8, 10]) if household else rng.choice([50, 400, 2000])
        )
        self.tariff_category = (
            "residential"
            if household
            else ("large_industry" if self.contracted_kva >= 315 else "general_ci")
        )
        self.voltage_level = (
            "220V" if household else ("10kV" if self.contracted_kva >= 315 else "380V")
        )
        self.industry_code = "" if household else rng.choice(["C3089", "B0610", "F5212", "C3011"])
        self.phone = f"13{rng.randint(0, 999_999_999):09d}"
        self.address = f"山西省阳泉市城区{rng.choice(_STREETS)}{rng.randint(1, 300)}号"


def _fallback_rows(rng: random.Random, count: int) -> Iterator[_Row]:
    for n in range(count):
        yield _Row(rng, 1_000_000 + n)


def rows(count: int, seed: int) -> Iterator[dict[str, str]]:
    """Realistic customers: the demo generator's, completed with the other fields."""
    try:
        from gridcrm.demo.generator import customer_rows, mobile_phone, person_name
    except Exception as exc:  # the demo generator is being written; fall back meanwhile
        print(f"note: demo generator unavailable ({exc}); using the fallback generator")
        customer_rows = _fallback_rows  # type: ignore[assignment]

        def mobile_phone(rng: random.Random) -> str:
            return f"139{rng.randint(0, 99_999_999):08d}"

        def person_name(rng: random.Random) -> str:
            return rng.choice(_SURNAMES) + rng.choice(_GIVEN)

    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    extra = random.Random(seed + 1)  # noqa: S311
    for row in customer_rows(rng, count):
        household = row.segment == "residential"
        large = row.contracted_kva >= 315
        two_part = row.tariff_category == "large_industry"
        data = {
            "account_no": row.account_no,
            "name": row.name,
            "certificate_type": "resident_id" if household else "uscc",
            "certificate_no": resident_id(extra) if household else uscc(extra),
            "phone": row.phone,
            "address": row.address,
            "region": row.station_code,
            "industry_code": row.industry_code,
            "tariff_category": row.tariff_category,
            "tariff_structure": "two_part" if two_part else "single_part",
            "voltage_level": row.voltage_level,
            "contracted_kva": str(row.contracted_kva),
            "billing_method": "demand" if two_part else "energy",
            "tou_applied": "1" if (two_part or extra.random() < 0.3) else "0",
        }

        def maybe(p: float, value: str) -> str:
            return value if extra.random() < p else ""  # realistic gaps in tiers 2 and 3

        data["meter_kind"] = maybe(
            0.9, "smart_1p" if household else ("ct" if large else "smart_3p")
        )
        data["meter_count"] = maybe(0.85, "1" if household else str(extra.randint(1, 6)))
        data["payment_method"] = maybe(
            0.8, extra.choice(["counter", "bank_deduction", "app", "wechat_alipay"])
        )
        data["preferred_channel"] = maybe(0.4, extra.choice(["phone", "sms", "wechat", "app"]))
        data["e_bill"] = maybe(0.5, extra.choice(["1", "0"]))
        data["phone_alt"] = maybe(0.1, mobile_phone(extra))
        if not household:
            data["contact_person"] = maybe(0.8, person_name(extra))
            data["importance_class"] = maybe(0.7, "class_2" if large else "none")
            data["employees"] = maybe(0.6, str(extra.randint(2, 2000)))
            data["transformer_count"] = maybe(0.7, str(extra.randint(1, 4)) if large else "0")
            data["transformer_kva"] = maybe(0.6, str(row.contracted_kva) if large else "")
            data["deposit_yuan"] = maybe(0.5, f"{extra.randint(1, 500) * 100}.00")
            if row.segment == "industrial":
                data["production_shifts"] = maybe(0.6, extra.choice(["one", "two", "three"]))
        data["transformer_area"] = maybe(
            0.8, f"{row.station_code[-2:]}台区{extra.randint(1, 80):03d}"
        )
        yield data


def write_csv(path: Path, count: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows(count, seed):
            writer.writerow([row.get(c, "") for c in COLUMNS])
    partial.rename(path)
    print(f"wrote {count:,} rows to {path} in {time.perf_counter() - started:.1f} s")


def empty_archive() -> None:
    """Remove every customer and what hangs on it, fast."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE archive_fieldchange, archive_changerequest, archive_disclosureevent,"
                " archive_customer RESTART IDENTITY CASCADE"
            )
            cursor.execute("VACUUM ANALYZE archive_customer")
    else:
        for model in (FieldChange, ChangeRequest, DisclosureEvent, Customer):
            model.objects.all().delete()


# Made by an earlier migration 0002 and dropped from it since (Django's ``…_like`` index
# serves account-number prefixes); a database migrated before still has it, a new one not.
STALE_INDEXES = ["archive_customer_account_no_prefix"]


def prepare() -> User:
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for index in STALE_INDEXES:
                cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index])
                if cursor.fetchone():
                    print(f"note: dropping {index}, which the migrations no longer make")
                    cursor.execute(f"DROP INDEX {index}")
    try:
        call_command("demo_data", customers=1, seed=1, reset=True, verbosity=0)
    except Exception as exc:  # the demo command is young; say what failed and stop
        raise SystemExit(f"gridcrm demo_data failed: {exc}") from exc
    empty_archive()
    if published_version() is None:
        # The import applies the published mapping rules to every new customer: the
        # demo's, as a supply company would have them.
        manager = User.objects.get(username="manager")
        rules_publish(rules=DEMO_RULES, note="bench", acting_user=manager)
    return User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.get(
        username="admin"
    )


def baseline(path: Path, count: int, actor: User) -> float:
    """Seconds for ``customer_create`` per row over the first ``count`` rows."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        sample = [next(reader) for _ in range(count)]
    started = time.perf_counter()
    for row in sample:
        customer_create(data={k: v for k, v in row.items() if v}, acting_user=actor)
    seconds = time.perf_counter() - started
    empty_archive()
    return seconds


_PARALLEL_WORKER = re.compile(r"parallel worker for PID (\d+)")


class PgCpu:
    """CPU seconds of the PostgreSQL backends serving one database (and their parallel
    workers), when the server runs on this host: ``/proc`` is polled while it runs, so a
    connection that ends (an index build's) is counted up to its last poll."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, database: str, interval: float = 0.1) -> None:
        self.marker = f" {database} "
        self.interval = interval
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def _read(self) -> dict[int, float]:
        found: dict[int, float] = {}
        leaders: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                title = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if not title.startswith("postgres: "):
                    continue
                if self.marker in title:
                    leaders[int(entry.name)] = int(entry.name)
                elif worker := _PARALLEL_WORKER.search(title):
                    leaders[int(entry.name)] = int(worker.group(1))
                else:
                    continue
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.TICK
            except (OSError, ValueError, IndexError):
                continue
        ours = {pid for pid, leader in leaders.items() if pid == leader}
        return {pid: cpu for pid, cpu in found.items() if leaders[pid] in ours}

    def sample(self) -> None:
        for pid, cpu in self._read().items():
            self.last[pid] = max(cpu, self.last.get(pid, 0.0))

    def __enter__(self) -> PgCpu:
        self.start = self._read()
        self.last = dict(self.start)
        self.stop.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        self.sample()

    @property
    def seconds(self) -> float:
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())


def database_name() -> str:
    return str(connection.settings_dict.get("NAME"))


def floor() -> list[tuple[str, float, float]]:
    """Seconds (wall, and CPU of the backend) PostgreSQL alone needs to store the
    archive's rows and build its indexes."""
    steps: list[tuple[str, float, float]] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's, for COPY
        data = bytearray()
        with raw.copy("COPY archive_customer TO STDOUT") as copy:
            for chunk in copy:
                data += chunk
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute("CREATE TABLE bench_floor (LIKE archive_customer INCLUDING DEFAULTS)")
        with PgCpu(database_name()) as cpu:
            started = time.perf_counter()
            with raw.copy("COPY bench_floor FROM STDIN") as copy:
                copy.write(bytes(data))
            seconds = time.perf_counter() - started
        steps.append(("COPY into a table without indexes", seconds, cpu.seconds))
        cursor.execute(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'archive_customer'"
            " ORDER BY indexname"
        )
        for name, definition in cursor.fetchall():
            with PgCpu(database_name()) as cpu:
                started = time.perf_counter()
                cursor.execute(
                    definition.replace(f"INDEX {name} ON", "INDEX ON", 1).replace(
                        "public.archive_customer", "public.bench_floor", 1
                    )
                )
                seconds = time.perf_counter() - started
            steps.append((f"index {name}", seconds, cpu.seconds))
        cursor.execute("DROP TABLE bench_floor")
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--csv", type=Path, default=None, help="reuse or write this file")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args()
    path = args.csv or ROOT / "var" / "bench" / f"customers-{args.rows}-{args.seed}.csv"
    translation.activate("en")
    print(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {os.cpu_count()} cores, {python}")
    if not path.exists():
        write_csv(path, args.rows, args.seed)
    actor = prepare()

    base_seconds = base_rate = 0.0
    if args.baseline_rows:
        base_seconds = baseline(path, min(args.baseline_rows, args.rows), actor)
        base_rate = args.baseline_rows / base_seconds

    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10:
            print(f"  … {done:,} / {total:,}", flush=True)
            last[0] = now

    with PgCpu(database_name()) as pg_cpu:
        started = time.perf_counter()
        python_started = time.process_time()
        report = customers_import(
            path=path, acting_user=actor, progress=progress, batch_size=args.batch_size
        )
        python_seconds = time.process_time() - python_started
        seconds = time.perf_counter() - started
    rate = report.rows / seconds
    assert report.created == Customer.objects.count(), "every created row is stored"

    print()
    print(report.summary())
    print()
    print(f"{'method':<38}{'rows':>10}{'seconds':>10}{'rows/s':>10}")
    if args.baseline_rows:
        print(
            f"{'row by row (services.customer_create)':<38}{args.baseline_rows:>10,}"
            f"{base_seconds:>10.1f}{base_rate:>10,.0f}"
        )
    print(
        f"{'bulk (imports.customers_import)':<38}{report.rows:>10,}{seconds:>10.1f}{rate:>10,.0f}"
    )
    print(
        f"  CPU seconds: Python {python_seconds:.1f} (all threads),"
        f" PostgreSQL backends {pg_cpu.seconds:.1f}"
    )
    if args.baseline_rows:
        print(f"speed-up: {rate / base_rate:.1f}x")
    print(f"target 20,000 rows/s: {'met' if rate >= 20_000 else 'NOT met'}")
    if connection.vendor == "postgresql":
        print()
        print("floor: PostgreSQL alone (same rows, same indexes, no Python)")
        print(f"  {'step':<60}{'wall s':>8}{'CPU s':>8}")
        steps = floor()
        for step, step_seconds, step_cpu in steps:
            print(f"  {step:<60}{step_seconds:>8.1f}{step_cpu:>8.1f}")
        total = sum(step_seconds for _step, step_seconds, _cpu in steps)
        total_cpu = sum(step_cpu for _step, _seconds, step_cpu in steps)
        print(
            f"  {'in all':<60}{total:>8.1f}{total_cpu:>8.1f}"
            f"  = {report.created / total:,.0f} rows/s (wall);"
            f" the import reaches {total / seconds:.0%} of it"
        )


if __name__ == "__main__":
    main()
