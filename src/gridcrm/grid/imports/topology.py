"""Topology checks of an import, across rows and against the registry already stored:
a line on an unknown substation or trunk, a cycle of trunk lines, a transformer on an
unknown line, a meter on two customers, a customer fed by a line of another station.
Each rejected row gets its reason; rows that depend on a rejected row are rejected too."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customers_matching
from gridcrm.grid.imports.rows import Row
from gridcrm.grid.models import (
    EmergencyPower,
    Feeder,
    Meter,
    MeteringPoint,
    Substation,
    Transformer,
)
from gridcrm.users.selectors import regions_all

Problem = tuple[str, str]
"""Why a row is refused: a stable code (``unknown_feeder``, ``cycle`` …) and the text."""


@dataclass
class Known:
    """What the registry and the accepted rows so far say, by code."""

    regions: dict[str, str] = field(default_factory=dict)  # region code → path
    substations: dict[str, str] = field(default_factory=dict)  # code → region path
    feeders: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (substation, parent)
    transformers: dict[str, str] = field(default_factory=dict)  # code → feeder code
    customers: dict[str, tuple[int, str]] = field(default_factory=dict)  # account → (id, path)
    meter_owner: dict[str, str] = field(default_factory=dict)  # serial → account
    point_owner: dict[str, str] = field(default_factory=dict)  # point code → account
    emergency_owner: dict[str, str] = field(default_factory=dict)  # code → account


def known_load(rows: list[Row]) -> Known:
    """The stored registry as far as these rows can touch it (customers, meters and points
    by the accounts and codes the rows name; the equipment above them whole: thousands of
    rows at most)."""
    known = Known(regions=dict(regions_all().values_list("code", "path")))
    known.substations = dict(Substation.objects.values_list("code", "region__path"))
    known.feeders = {
        code: (station, parent or "")
        for code, station, parent in Feeder.objects.values_list(
            "code", "substation__code", "parent__code"
        )
    }
    known.transformers = dict(Transformer.objects.values_list("code", "feeder__code"))
    accounts = {row.values["account_no"] for row in rows if "account_no" in row.values}
    known.customers = {
        account: (pk, path)
        for pk, account, path in customers_matching(
            condition=Q(account_no__in=accounts)
        ).values_list("pk", "account_no", "region__path")
    }
    serials = [row.values["serial"] for row in rows if row.record == "meter"]
    known.meter_owner = dict(
        Meter.objects.filter(serial__in=serials).values_list(
            "serial", "point__customer__account_no"
        )
    )
    points = [row.values["code"] for row in rows if row.record == "meter"]
    known.point_owner = dict(
        MeteringPoint.objects.filter(code__in=points).values_list("code", "customer__account_no")
    )
    codes = [row.values["code"] for row in rows if row.record == "emergency"]
    known.emergency_owner = dict(
        EmergencyPower.objects.filter(code__in=codes).values_list("code", "customer__account_no")
    )
    return known


def _inside(path: str, station_path: str) -> bool:
    return path == station_path or path.startswith(f"{station_path}.")


def _cycles(feeders: dict[str, tuple[str, str]], candidates: list[str]) -> set[str]:
    """The candidate lines whose chain of trunks comes back to a line already on it."""
    looped: set[str] = set()
    for start in candidates:
        seen: list[str] = []
        code = start
        while code and code in feeders and code not in seen:
            seen.append(code)
            code = feeders[code][1]
        if code in seen:
            looped.update(seen[seen.index(code) :])
    return looped


def check(rows: list[Row], known: Known) -> dict[int, Problem]:
    """(problem code, reason) by row number of every row the topology refuses; ``known``
    grows with the accepted equipment so later kinds can name it."""
    reasons: dict[int, Problem] = {}
    by_kind: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_kind[row.record].append(row)

    for row in by_kind["substation"]:
        path = known.regions.get(row.values["region"])
        if path is None:
            reasons[row.number] = (
                "unknown_region",
                _("Unknown region %(code)s.") % {"code": row.values["region"]},
            )
        else:
            known.substations[row.values["code"]] = path

    _check_feeders(by_kind["feeder"], known, reasons)

    for row in by_kind["transformer"]:
        if row.values["feeder"] not in known.feeders:
            reasons[row.number] = (
                "unknown_feeder",
                _("Transformer on an unknown line %(code)s.") % {"code": row.values["feeder"]},
            )
        else:
            known.transformers[row.values["code"]] = row.values["feeder"]

    _check_meters(by_kind["meter"], known, reasons)

    for row in by_kind["source"]:
        if row.values["feeder"] not in known.feeders:
            reasons[row.number] = (
                "unknown_feeder",
                _("Unknown line %(code)s.") % {"code": row.values["feeder"]},
            )
        else:
            reason = _fed_from_station(row, row.values["feeder"], known)
            if reason:
                reasons[row.number] = reason
    for row in by_kind["emergency"]:
        account = row.values["account_no"]
        if account not in known.customers:
            reasons[row.number] = (
                "unknown_customer",
                _("Unknown customer %(account)s.") % {"account": account},
            )
        elif known.emergency_owner.get(row.values["code"], account) != account:
            reasons[row.number] = (
                "emergency_other_customer",
                _("This emergency power belongs to another customer."),
            )
    return reasons


def _check_feeders(rows: list[Row], known: Known, reasons: dict[int, Problem]) -> None:
    candidates: dict[str, Row] = {}
    for row in rows:
        station = row.values["substation"]
        if station not in known.substations:
            reasons[row.number] = (
                "unknown_substation",
                _("Line on an unknown substation %(code)s.") % {"code": station},
            )
        else:
            candidates[row.values["code"]] = row
    merged = dict(known.feeders)
    merged.update({c: (r.values["substation"], r.values["parent"]) for c, r in candidates.items()})
    for code in _cycles(merged, list(candidates)):
        if code in candidates:
            reasons[candidates.pop(code).number] = ("cycle", _("The trunk lines form a cycle."))
        merged.pop(code, None)
    # A line whose trunk is unknown, rejected or on another substation is refused; that may
    # in turn refuse its own branches, hence the loop until nothing changes.
    changed = True
    while changed:
        changed = False
        for code, row in list(candidates.items()):
            parent = row.values["parent"]
            if not parent:
                continue
            if parent not in merged:
                reasons[row.number] = (
                    "unknown_trunk",
                    _("Unknown trunk line %(code)s.") % {"code": parent},
                )
            elif merged[parent][0] != row.values["substation"]:
                reasons[row.number] = (
                    "trunk_other_substation",
                    _("The trunk line is on another substation."),
                )
            else:
                continue
            del candidates[code]
            merged.pop(code, None)
            changed = True
    for code, row in candidates.items():
        known.feeders[code] = (row.values["substation"], row.values["parent"])


def _fed_from_station(row: Row, feeder: str, known: Known) -> Problem | None:
    """Why a customer may not be fed from this line, or ``None``."""
    account = row.values["account_no"]
    customer = known.customers.get(account)
    if customer is None:
        return ("unknown_customer", _("Unknown customer %(account)s.") % {"account": account})
    station_path = known.substations.get(known.feeders[feeder][0], "")
    if not _inside(customer[1], station_path):
        return (
            "other_station",
            _("Customer %(account)s is fed by a line of another station.") % {"account": account},
        )
    return None


def _check_meters(rows: list[Row], known: Known, reasons: dict[int, Problem]) -> None:
    accounts_of_serial: dict[str, set[str]] = defaultdict(set)
    accounts_of_point: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        accounts_of_serial[row.values["serial"]].add(row.values["account_no"])
        accounts_of_point[row.values["code"]].add(row.values["account_no"])
    for row in rows:
        account, serial = row.values["account_no"], row.values["serial"]
        transformer = row.values["transformer"]
        if transformer not in known.transformers:
            reasons[row.number] = (
                "unknown_transformer",
                _("Meter on an unknown transformer %(code)s.") % {"code": transformer},
            )
        elif (
            len(accounts_of_serial[serial]) > 1 or known.meter_owner.get(serial, account) != account
        ):
            reasons[row.number] = (
                "meter_two_customers",
                _("Meter %(serial)s is on two customers.") % {"serial": serial},
            )
        elif (
            len(accounts_of_point[row.values["code"]]) > 1
            or known.point_owner.get(row.values["code"], account) != account
        ):
            reasons[row.number] = (
                "point_other_customer",
                _("The metering point belongs to another customer."),
            )
        else:
            reason = _fed_from_station(row, known.transformers[transformer], known)
            if reason:
                reasons[row.number] = reason
