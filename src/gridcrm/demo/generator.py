"""The demo company's people and places: the region tree, one login per role, the
customers and the grid registry behind them, written in that order.

The demo app orchestrates; each app builds its own part: ``users.demo`` the regions and
logins, ``archive.demo`` the customers (drawn from a seed: the same seed yields the same
company, account for account). The names below stay importable from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from gridcrm.archive.demo import (
    COMPANY_CODE,
    COMPANY_NAME,
    DISTRICTS,
    KEY_ACCOUNT_KVA,
    MAX_CUSTOMERS,
    STATIONS,
    CustomerRow,
    customer_rows,
    customers_write,
    mobile_phone,
    person_name,
    portal_link,
)
from gridcrm.grid.demo import grid_demo_write
from gridcrm.users.demo import (
    RegionLevel,
    RegionSpec,
    StaffSpec,
    regions_write,
    staff_write,
    user_full_name_set,
)
from gridcrm.users.roles import Role

__all__ = [
    "COMPANY_CODE",
    "COMPANY_NAME",
    "DEMO_PASSWORD",
    "DISTRICTS",
    "KEY_ACCOUNT_KVA",
    "MAX_CUSTOMERS",
    "PORTAL_USERNAME",
    "STAFF",
    "STATIONS",
    "CustomerRow",
    "DemoResult",
    "RegionSpec",
    "StaffSpec",
    "customer_rows",
    "mobile_phone",
    "person_name",
    "region_specs",
    "write_demo",
]

DEMO_PASSWORD = "gridcrm-demo"  # noqa: S105 - a published demo password, not a secret

STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("manager", "张志强", Role.MARKETING_MANAGER, COMPANY_CODE),
    StaffSpec("kam", "李慧敏", Role.KEY_ACCOUNT_MANAGER, COMPANY_CODE, districts=("YQ01", "YQ02")),
    StaffSpec("kam2", "赵文博", Role.KEY_ACCOUNT_MANAGER, COMPANY_CODE, districts=("YQ03", "YQ04")),
    StaffSpec("kam3", "郭晓燕", Role.KEY_ACCOUNT_MANAGER, COMPANY_CODE, districts=("YQ05",)),
    StaffSpec("specialist", "刘婷", Role.BUSINESS_SPECIALIST, COMPANY_CODE),
    StaffSpec("agent", "陈静", Role.SERVICE_AGENT, COMPANY_CODE),
    StaffSpec("collector", "王磊", Role.REGIONAL_COLLECTOR, "YQ0101"),
    StaffSpec("collector2", "杨帆", Role.REGIONAL_COLLECTOR, "YQ0201"),
    # Every other supply station has its collector too, so that no step waits for nobody.
    StaffSpec("collector3", "刘建国", Role.REGIONAL_COLLECTOR, "YQ0102"),
    StaffSpec("collector4", "马晓东", Role.REGIONAL_COLLECTOR, "YQ0202"),
    StaffSpec("collector5", "韩志刚", Role.REGIONAL_COLLECTOR, "YQ0301"),
    StaffSpec("collector6", "郝丽萍", Role.REGIONAL_COLLECTOR, "YQ0302"),
    StaffSpec("collector7", "吕伟", Role.REGIONAL_COLLECTOR, "YQ0401"),
    StaffSpec("collector8", "武建军", Role.REGIONAL_COLLECTOR, "YQ0402"),
    StaffSpec("collector9", "梁海燕", Role.REGIONAL_COLLECTOR, "YQ0501"),
    StaffSpec("collector10", "张国平", Role.REGIONAL_COLLECTOR, "YQ0502"),
    StaffSpec("inspector", "李明", Role.INSPECTOR, "YQ01"),
    StaffSpec("inspector2", "赵刚", Role.INSPECTOR, "YQ02"),
    StaffSpec("archivist", "孙丽华", Role.ARCHIVE_OFFICER, COMPANY_CODE),
    StaffSpec("planner", "周明", Role.DEMAND_PLANNER, COMPANY_CODE),
    StaffSpec("admin", "高峰", Role.ADMINISTRATOR, COMPANY_CODE, is_superuser=True),
    # Named after the household it is linked to once the customers exist.
    StaffSpec("customer", "", Role.CUSTOMER),
)
PORTAL_USERNAME = "customer"


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What :func:`write_demo` created."""

    seed: int
    customers: int
    by_segment: dict[str, int]
    key_accounts: int
    portal_account_no: str | None
    portal_name: str | None
    # Time spent generating and inserting customers, without regions and logins
    # (whose password hashing alone takes seconds).
    customer_seconds: float


def region_specs() -> list[RegionSpec]:
    """The region tree: the company, its five districts and counties, ten stations."""
    specs = [RegionSpec(COMPANY_CODE, COMPANY_NAME, RegionLevel.COMPANY, None)]
    for code, name in DISTRICTS:
        specs.append(RegionSpec(code, name, RegionLevel.DISTRICT, COMPANY_CODE))
        specs.extend(
            RegionSpec(s.code, s.name, RegionLevel.STATION, code)
            for s in STATIONS
            if s.district_code == code
        )
    return specs


@transaction.atomic
def write_demo(
    *, customers: int, seed: int, on_batch: Callable[[int], None] | None = None
) -> DemoResult:
    """Create the regions, the logins, ``customers`` customers drawn from ``seed`` and the
    grid behind them.

    The database must not hold the demo already (see ``services.demo_reset``).
    ``on_batch`` is told how many customers each insert wrote, for a progress bar.
    """
    if not 0 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 0 and {MAX_CUSTOMERS:,}")
    regions = regions_write(region_specs())
    users = staff_write(STAFF, password=DEMO_PASSWORD, regions=regions)
    manager_of_district = {
        district: users[staff.username].pk for staff in STAFF for district in staff.districts
    }
    started = time.perf_counter()
    written = customers_write(
        customers=customers,
        seed=seed,
        station_ids={s.code: regions[s.code].pk for s in STATIONS},
        manager_of_district=manager_of_district,
        district_of={s.code: s.district_code for s in STATIONS},
        on_batch=on_batch,
    )
    customer_seconds = time.perf_counter() - started
    # The grid registry behind every customer; it derives their equipment fields.
    grid_demo_write(seed=seed)
    if written.portal_account_no is not None and written.portal_name is not None:
        portal_user = users[PORTAL_USERNAME]
        portal_link(account_no=written.portal_account_no, user=portal_user)
        user_full_name_set(portal_user, written.portal_name)
    return DemoResult(
        seed=seed,
        customers=written.customers,
        by_segment=written.by_segment,
        key_accounts=written.key_accounts,
        portal_account_no=written.portal_account_no,
        portal_name=written.portal_name,
        customer_seconds=customer_seconds,
    )
