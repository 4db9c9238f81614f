"""Writes of the grid app: the archive's equipment summary derived from the registry, the
important-customer rules published as versions, and unplanned outages entered by staff.
The registry's rows themselves are written by the import (``grid.imports``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.choices import MeterKind
from gridcrm.archive.selectors import customers_matching
from gridcrm.archive.services import customers_facts_apply
from gridcrm.core.versioning import rows_validate, version_publish
from gridcrm.grid import events
from gridcrm.grid import rules as r
from gridcrm.grid.errors import (
    InvalidOutage,
    InvalidRules,
    MayNotEditGrid,
    MayNotEnterOutage,
    NobodyBehind,
)
from gridcrm.grid.impact import ELEMENTS, customer_ids_behind, outage_impact
from gridcrm.grid.models import (
    EmergencyPower,
    Feeder,
    ImportanceRules,
    Meter,
    MeteringPoint,
    Outage,
    Substation,
    Transformer,
)
from gridcrm.grid.selectors import can_edit, can_enter_outage
from gridcrm.service.faults import fault_outage_report
from gridcrm.service.notices import Target

if TYPE_CHECKING:
    from gridcrm.users.models import User

EQUIPMENT_FIELDS = (
    "meter_kind",
    "meter_count",
    "transformer_count",
    "transformer_kva",
    "backup_power_kw",
)
_KIND_ORDER = {kind: n for n, kind in enumerate(MeterKind.values)}


def equipment_summaries(*, customer_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The archive's equipment fields of each customer as the registry says them: its
    meters (count, most common kind), its dedicated transformers (count, total kVA) and
    its emergency power (total kW, blank without any)."""
    ids = list(customer_ids)
    kinds: dict[int, Counter[str]] = defaultdict(Counter)
    for customer_id, kind in Meter.objects.filter(point__customer_id__in=ids).values_list(
        "point__customer_id", "kind"
    ):
        kinds[customer_id][kind] += 1
    dedicated: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for customer_id, transformer_id, kva in MeteringPoint.objects.filter(
        customer_id__in=ids, transformer__ownership=Transformer.Ownership.DEDICATED
    ).values_list("customer_id", "transformer_id", "transformer__kva"):
        dedicated[customer_id][transformer_id] = kva
    backup: dict[int, Decimal] = defaultdict(Decimal)
    for customer_id, kw in EmergencyPower.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "kw"
    ):
        backup[customer_id] += kw
    summaries = {}
    for pk in ids:
        counted = kinds[pk]
        # The most common kind; a tie goes to the kind listed first in MeterKind.
        kind = min(counted, key=lambda k: (-counted[k], _KIND_ORDER.get(k, 99))) if counted else ""
        summaries[pk] = {
            "meter_kind": kind,
            "meter_count": sum(counted.values()),
            "transformer_count": len(dedicated[pk]),
            "transformer_kva": sum(dedicated[pk].values(), Decimal(0)),
            "backup_power_kw": backup[pk] if pk in backup else None,
        }
    return summaries


def equipment_derive(*, customer_ids: Sequence[int], batch_size: int = 2000) -> int:
    """Recompute the archive's equipment fields of these customers from the registry
    (through the archive's ``customers_facts_apply``, which re-runs their rules and
    completeness); returns how many changed."""
    changed = 0
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        changed += customers_facts_apply(values=equipment_summaries(customer_ids=chunk))
    return changed


@transaction.atomic
def rules_publish(
    *, rows: Sequence[dict[str, Any]], acting_user: User, note: str = ""
) -> ImportanceRules:
    """Publish the next version of the important-customer rules: one valid row for each
    class (``grid.invalid_rules`` names every problem, and nothing is kept)."""
    if not can_edit(user=acting_user):
        raise MayNotEditGrid(_("Your role may not change the important-customer rules."))
    parsed = rows_validate(r.ClassRule, rows, code=InvalidRules.code)
    classes = [row.importance_class for row in parsed]
    if sorted(classes) != sorted(r.CLASS_RANK):
        raise InvalidRules(
            _("Give exactly one rule for each class of important customer."),
            fields={"rows": _("Give exactly one rule for each class of important customer.")},
        )
    version = version_publish(
        ImportanceRules,
        acting_user=acting_user,
        note=note[:300],
        rows=[row.model_dump() for row in parsed],
    )
    events.rules_published(rules=version, acting_user=acting_user)
    return version


def _element(element: str, code: str) -> dict[str, Any]:
    if element == "substation":
        return {"substation": Substation.objects.get(code=code)}
    if element == "feeder":
        return {"feeder": Feeder.objects.get(code=code)}
    return {"transformer": Transformer.objects.get(code=code)}


@transaction.atomic
def outage_enter(
    *,
    element: str,
    code: str,
    started_at: dt.datetime,
    description: str,
    acting_user: User,
    now: dt.datetime | None = None,
) -> Outage:
    """Record an unplanned outage (故障停电) of a substation, a feeder or a transformer: the
    customers behind it are told at once (an unplanned-outage notice on its lines or
    transformer) and one fault-repair request is opened, on the most important customer
    behind it. All or nothing: a refusal of the notice or the request keeps nothing."""
    if not can_enter_outage(user=acting_user):
        raise MayNotEnterOutage(_("Your role may not enter unplanned outages."))
    now = now or timezone.now()
    errors = {}
    if element not in ELEMENTS:
        errors["element"] = _("Choose a substation, a line or a transformer.")
    if not description.strip():
        errors["description"] = _("Describe the outage in a few words.")
    if started_at > now:
        errors["started_at"] = _("An unplanned outage cannot start in the future.")
    if errors:
        raise InvalidOutage(_("The outage is not complete."), fields=errors)
    impact = outage_impact(user=acting_user, element=element, code=code)
    if not impact.customers:
        raise NobodyBehind(_("No customer is behind this equipment; nobody was told."))
    _name, _ids, down = customer_ids_behind(element=element, code=code, user=acting_user)
    if element == "transformer":
        targets = [Target("transformer", code)]
    else:
        codes = Feeder.objects.filter(pk__in=down).order_by("code").values_list("code", flat=True)
        targets = [Target("feeder", c) for c in codes]
    title = _("Unplanned outage: %(name)s") % {"name": impact.name}
    body = _(
        "Power is off on %(name)s since %(start)s because of a fault: %(what)s. "
        "Our repair crew is on its way."
    ) % {
        "name": impact.name,
        "start": timezone.localtime(started_at).strftime("%Y-%m-%d %H:%M"),
        "what": description.strip(),
    }
    first = customers_matching(condition=Q(pk=impact.customers[0].customer_id)).get()
    notice, request = fault_outage_report(
        targets=targets,
        title=title,
        body=body,
        started_at=started_at,
        repair_customer=first,
        acting_user=acting_user,
        now=now,
    )
    outage = Outage.objects.create(
        **_element(element, code),
        started_at=started_at,
        description=description.strip()[:300],
        customers=len(impact.customers),
        notice_id=notice.pk,
        request_no=request.number,
        entered_by=acting_user,
    )
    events.outage_entered(outage=outage, acting_user=acting_user)
    return outage
