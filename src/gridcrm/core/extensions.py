"""The one registry of the places where one app plugs into another.

An app that offers a seam declares it here as an ``ExtensionPoint`` (many
contributions) or a ``Slot`` (one provider, with a default); apps contribute from
their ``AppConfig.ready``. Nothing else in GridCRM keeps a module-level list of
callbacks, so this file is the whole map of who plugs into whom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db.models import Q
from django.utils.functional import Promise

from gridcrm.core.audit import TimelineEntry

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.lake.pipelines import TouClock
    from gridcrm.service.credit import TermsLookup
    from gridcrm.service.models import RequestEvent, ServiceRequest
    from gridcrm.users.models import User

T = TypeVar("T")


class ExtensionPoint(Generic[T]):
    """Contributions of many apps to one place, kept in registration order by key."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> None:
        """Add a contribution; registering the same key again replaces it."""
        self._items[key] = item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)


class Slot(Generic[T]):
    """One provider of something another app needs, with the default used until an app
    installs its own (tests may install a stand-in and ``reset`` after)."""

    def __init__(self, name: str, default: T) -> None:
        self.name = name
        self._default = default
        self._value = default

    def install(self, value: T) -> None:
        self._value = value

    def reset(self) -> None:
        self._value = self._default

    def get(self) -> T:
        return self._value


@dataclass(frozen=True)
class Panel:
    """A card of the customer 360° page: its template is rendered with ``customer`` and
    ``user`` in the context and draws its own card."""

    key: str
    title: str | Promise
    template: str
    order: int = 100


TimelineSource = Callable[..., list[TimelineEntry]]
"""``source(*, customer, user, limit)``: one app's events of a customer, newest first,
already filtered to what ``user`` may see."""


# The customer 360° page's cards (archive), contributed by lake, credit, service, load
# and key accounts.
CUSTOMER_PANELS: ExtensionPoint[Panel] = ExtensionPoint("customer_panels")

# Every app's events of a customer, gathered into one timeline on the 360° page.
TIMELINE_SOURCES: ExtensionPoint[TimelineSource] = ExtensionPoint("timeline_sources")


RequestObserver = Callable[["ServiceRequest", "RequestEvent"], None]
"""Called with every event a write of a service request records, inside that write's
transaction: what it writes is kept or rolled back with the request, and raising a
``DomainError`` refuses the write."""

# Followers of service requests (the key-account app keeps its managers informed and
# holds fast-channel requests open until the feedback call).
REQUEST_OBSERVERS: ExtensionPoint[RequestObserver] = ExtensionPoint("request_observers")

CustomersChanged = Callable[[Sequence[int], frozenset[str]], None]
"""Called with the ids of customers whose fields named in the set just changed, inside the
transaction that changed them (edits, approved change requests, imports, rule runs)."""

# Followers of changes to customers (the service app moves open requests with a customer
# that moves to another supply station).
CUSTOMERS_CHANGED: ExtensionPoint[CustomersChanged] = ExtensionPoint("customers_changed")


def customers_changed(*, customer_ids: Sequence[int], fields: frozenset[str]) -> None:
    """Tell every follower that these customers' ``fields`` changed (archive services call
    this for every write of customer fields)."""
    if customer_ids and fields:
        for follower in CUSTOMERS_CHANGED:
            follower(customer_ids, fields)


FilePurger = Callable[[Mapping[str, datetime]], dict[str, int]]
"""``purger(cutoffs)``: delete one app's kept files older than the cutoff of their kind
(``uploads``, ``rejects``, ``exports``; ``gridcrm.core.retention``), mark their records
expired, and return how many files of each kind it deleted."""

# Every app's kept files, purged when they expire (``gridcrm purge_files``, the jobs page):
# the jobs app's result files, the archive's import uploads, the lake's uploads and rejects.
FILE_PURGERS: ExtensionPoint[FilePurger] = ExtensionPoint("file_purgers")
# What a task worker puts back in order when it starts, after the jobs a killed worker
# left running are marked interrupted: each app's repair of what such a job could leave
# between two steps (the lake settles half-published imports).
WORKER_RECOVERY: ExtensionPoint[Callable[[], None]] = ExtensionPoint("worker_recovery")


# Who grades customers for the service app (the credit app); ``None``: everyone is A.
CREDIT_GRADE: Slot[Callable[[Customer], str] | None] = Slot("credit_grade", None)

# Who reads the credit policies in force for the service app; ``None``: standard terms.
CREDIT_TERMS: Slot[Callable[[], TermsLookup] | None] = Slot("credit_terms", None)

# Where the lake's pipelines read the time-of-use clock (the load app's configuration);
# ``None``: the built-in default clock.
TOU_CLOCK: Slot[Callable[[], TouClock] | None] = Slot("tou_clock", None)

# Which customers a customer login holds, as a condition on customers (the portal app's
# bindings); ``None``: the account whose ``portal_user`` the login is.
PORTAL_ACCOUNTS: Slot[Callable[[User], Q] | None] = Slot("portal_accounts", None)


@dataclass(frozen=True)
class GridAudience:
    """The customers behind one element of the grid registry."""

    customer_ids: list[int]


# Who knows the customers behind a 10 kV line or a transformer for the service app's
# notices (the grid app): ``audience(scope, code)`` with scope ``"feeder"`` or
# ``"transformer"``, ``None`` for an unknown code; the slot's ``None``: nobody is behind.
GRID_AUDIENCE: Slot[Callable[[str, str], GridAudience | None] | None] = Slot("grid_audience", None)


@dataclass(frozen=True)
class GridRisk:
    """One risk to the safety of the grid, for the grid's safety overview and its alerts:
    ``kind`` a code (``grid.overload``, ``grid.hazard`` …), ``severity`` one of
    ``info``/``warning``/``critical``, ``region_id`` the station (or district) it belongs to,
    the subject named by type and code, and ``link`` the page of the record behind it."""

    kind: str
    severity: str
    region_id: int | None
    subject_type: str
    subject_ref: str
    subject_label: str
    text: str
    link: str


GridRisks = Callable[[date], list[GridRisk]]
"""``source(today)``: the risks one contributor finds now, whoever may see them (the grid
scopes them by region for each reader)."""

# Contributors of risks to the grid's safety overview and alerts beyond the registry's own
# checks: the grid's health (overloaded transformers) and the safety app (open hazards past
# their rectification deadline).
GRID_RISKS: ExtensionPoint[GridRisks] = ExtensionPoint("grid_risks")


@dataclass(frozen=True)
class AlertKind:
    """A kind of alert an app raises (``alerts.services.alert_raise``): its label, and the
    check that raises the alerts whose condition holds and closes those whose condition
    cleared, called with the sweep's time by ``alerts_sweep`` before escalation (``None``
    when the app raises the kind from its own services). Kinds sharing one check run it
    once."""

    label: str | Promise
    check: Callable[[datetime], None] | None = None


# The kinds of alert, by code ("<app>.<what>"), contributed by the apps that raise them
# (grid: overloads, important customers out of compliance, overdue tests, hazards).
ALERT_KINDS: ExtensionPoint[AlertKind] = ExtensionPoint("alert_kinds")


def customer_panels() -> list[Panel]:
    """The registered panels in display order."""
    return sorted(CUSTOMER_PANELS, key=lambda p: (p.order, p.key))


def customer_timeline(*, customer: Any, user: User, limit: int = 50) -> list[TimelineEntry]:
    """Every app's events of ``customer`` that ``user`` may see, newest first."""
    entries = [
        e for source in TIMELINE_SOURCES for e in source(customer=customer, user=user, limit=limit)
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
