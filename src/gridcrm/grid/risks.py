"""Risks to the safety of the grid: what the safety overview ranks by station and what the
grid's alerts are raised from (``grid.alerts``).

The registry's own checks — important customers out of compliance, overdue preventive
tests of transformers and emergency power, meters past their verification date — run
here; overloaded transformers (the grid's health) and open hazards past their deadline
(the safety app: an open hazard is ``info`` until its rectification deadline passes, then
``critical``) are contributed through ``core.extensions.GRID_RISKS``. Every function
finds the risks whoever may see them; ``risks_visible`` scopes them for one reader.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcrm.core.extensions import GRID_RISKS, GridRisk
from gridcrm.grid import rules as r
from gridcrm.grid.models import EmergencyPower, Meter, Transformer
from gridcrm.grid.selectors import important_gaps_all, require_view, scope_path
from gridcrm.users.selectors import regions_all

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridcrm.users.models import User

IMPORTANT_GAP = "grid.important_gap"
TEST_OVERDUE = "grid.test_overdue"
OVERLOAD = "grid.overload"
HAZARD = "grid.hazard"

KIND_LABELS = {
    IMPORTANT_GAP: gettext_lazy("Important customer out of compliance"),
    OVERLOAD: gettext_lazy("Overloaded transformer"),
    TEST_OVERDUE: gettext_lazy("Overdue test"),
    HAZARD: gettext_lazy("Open hazard"),
}
"""The kinds of grid risk in the order the overview shows them."""

EQUIPMENT = frozenset({"substation", "feeder", "transformer"})
"""Subjects that belong to the grid, not to one customer."""

SEVERITY_LABELS = {
    "critical": gettext_lazy("Critical"),
    "warning": gettext_lazy("Warning"),
    "info": gettext_lazy("Information"),
}

SEVERITY_WEIGHT = {"critical": 3, "warning": 1, "info": 0}
"""How much one risk weighs when stations are ranked."""

ALERTED = frozenset({"warning", "critical"})
"""Severities that raise an alert; ``info`` risks only show on the overview."""


def _months_before(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    return date(year, month % 12 + 1, min(day.day, 28))


def _important_gaps() -> list[GridRisk]:
    return [
        GridRisk(
            kind=IMPORTANT_GAP,
            severity="critical" if r.CLASS_RANK[row.importance_class] <= 1 else "warning",
            region_id=row.region_id,
            subject_type="customer",
            subject_ref=row.account_no,
            subject_label=row.name,
            text=f"{row.importance_label}: {'; '.join(row.gap_labels)}",
            link=reverse("archive:customer_detail", args=[row.account_no]),
        )
        for row in important_gaps_all()
    ]


def _overdue_tests(today: date) -> list[GridRisk]:
    found = []
    transformer_due = _months_before(today, r.TEST_INTERVAL_MONTHS[Transformer.TEST_INTERVAL])
    for code, name, feeder, region_id, tested in Transformer.objects.filter(
        last_test_on__lt=transformer_due
    ).values_list("code", "name", "feeder__code", "feeder__substation__region_id", "last_test_on"):
        found.append(
            GridRisk(
                kind=TEST_OVERDUE,
                severity="warning",
                region_id=region_id,
                subject_type="transformer",
                subject_ref=code,
                subject_label=name or code,
                text=_("Last preventive test %(day)s") % {"day": str(tested)},
                link=reverse("grid:feeder", args=[feeder]) + f"#t-{code}",
            )
        )
    for serial, account_no, region_id, due in Meter.objects.filter(
        verification_due__lt=today
    ).values_list(
        "serial", "point__customer__account_no", "point__customer__region_id", "verification_due"
    ):
        found.append(
            GridRisk(
                kind=TEST_OVERDUE,
                severity="warning",
                region_id=region_id,
                subject_type="meter",
                subject_ref=serial,
                subject_label=account_no,
                text=_("Verification was due %(day)s") % {"day": str(due)},
                link=reverse("archive:customer_detail", args=[account_no]),
            )
        )
    emergency_due = _months_before(today, r.TEST_INTERVAL_MONTHS[EmergencyPower.TEST_INTERVAL])
    for code, account_no, name, region_id, tested in EmergencyPower.objects.filter(
        last_test_on__lt=emergency_due
    ).values_list(
        "code", "customer__account_no", "customer__name", "customer__region_id", "last_test_on"
    ):
        found.append(
            GridRisk(
                kind=TEST_OVERDUE,
                severity="critical",
                region_id=region_id,
                subject_type="emergency_power",
                subject_ref=code,
                subject_label=name,
                text=_("Emergency power last tested %(day)s") % {"day": str(tested)},
                link=reverse("archive:customer_detail", args=[account_no]),
            )
        )
    return found


def risks_all(*, today: date) -> list[GridRisk]:
    """Every risk found now: the registry's checks and each contributor's."""
    found = _important_gaps() + _overdue_tests(today)
    for source in GRID_RISKS:
        found.extend(source(today))
    return found


def risks_visible(*, user: User | AnonymousUser, today: date) -> list[GridRisk]:
    """The risks in the user's scope (grid permission needed): a company-wide role every
    one; a scoped user those of their region and the regions below it, and the grid's
    equipment of the regions above it (a substation serving their region), like
    ``substations_visible_to``."""
    require_view(user=user)
    found = risks_all(today=today)
    path = scope_path(user)
    if path is None:
        return found
    paths = dict(regions_all().values_list("pk", "path"))

    def inside(risk: GridRisk) -> bool:
        theirs = paths.get(risk.region_id) if risk.region_id is not None else None
        if not path or theirs is None:
            return False
        if theirs == path or theirs.startswith(f"{path}."):
            return True
        # A customer's risk only inside the region, as customers_visible_to has it.
        return risk.subject_type in EQUIPMENT and path.startswith(f"{theirs}.")

    return [risk for risk in found if inside(risk)]


@dataclass
class StationRisks:
    """One station's (or district's) risks, ranked by ``score``."""

    region_id: int | None
    code: str
    name: str
    risks: list[GridRisk]

    @property
    def score(self) -> int:
        return sum(SEVERITY_WEIGHT.get(risk.severity, 0) for risk in self.risks)

    def count(self, kind: str) -> int:
        return sum(1 for risk in self.risks if risk.kind == kind)

    @property
    def counts(self) -> list[int]:
        return [self.count(kind) for kind in KIND_LABELS]


def risks_by_station(*, risks: list[GridRisk]) -> list[StationRisks]:
    """The risks grouped by region, the highest score first; inside a station critical
    ones first, then by kind and subject."""
    grouped: dict[int | None, list[GridRisk]] = defaultdict(list)
    for risk in risks:
        grouped[risk.region_id].append(risk)
    regions = {
        pk: (code, name) for pk, code, name in regions_all().values_list("pk", "code", "name")
    }
    order = list(KIND_LABELS)
    stations = []
    for region_id, found in grouped.items():
        code, name = (
            regions.get(region_id, ("", _("No region"))) if region_id else ("", _("No region"))
        )
        found.sort(
            key=lambda k: (
                -SEVERITY_WEIGHT.get(k.severity, 0),
                order.index(k.kind) if k.kind in order else len(order),
                k.subject_ref,
            )
        )
        stations.append(StationRisks(region_id=region_id, code=code, name=name, risks=found))
    stations.sort(key=lambda s: (-s.score, s.code))
    return stations
