"""The account plan of one key account: everything in one place (R9) — the 360° summary,
credit, load against capacity, open requests and needs, visits and their topics,
contacts, and the next steps. Read for a user who may see the account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.archive.completeness import completeness_score
from gridcrm.archive.masking import mask_phone
from gridcrm.archive.registry import all_specs
from gridcrm.core.formats import number
from gridcrm.credit.selectors import CustomerCreditView, customer_credit
from gridcrm.keyaccounts import topics
from gridcrm.keyaccounts.models import KeyAccount, Need, Stage, Visit
from gridcrm.keyaccounts.selectors import (
    VisitDue,
    feedback_calls_due,
    interval_days,
    needs_visible_to,
    visit_due,
    visits_of,
)
from gridcrm.lake.selectors import customer_load_features
from gridcrm.service.selectors import open_requests_of

if TYPE_CHECKING:
    from gridcrm.lake.models import MonthlyLoadFeature
    from gridcrm.service.models import ServiceRequest
    from gridcrm.users.models import User

OPEN_NEED_STAGES = (Stage.REPORTED, Stage.ANALYSED, Stage.PROPOSED, Stage.CONFIRMED)
# What moves each open stage on, and whose move it is.
NEXT_MOVE: dict[str, str] = {
    Stage.REPORTED: "screen",
    Stage.ANALYSED: "propose",
    Stage.PROPOSED: "answer",
    Stage.CONFIRMED: "fulfil",
}


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    phone: str


@dataclass(frozen=True)
class NextStep:
    kind: str  # "visit", "need", "feedback"
    text: str
    owner: str
    due: dt.date | None
    overdue: bool


@dataclass(frozen=True)
class AccountPlan:
    account: KeyAccount
    summary: list[tuple[str, Any]]
    completeness: int
    credit: CustomerCreditView | None
    load_months: list[MonthlyLoadFeature]
    open_requests: list[ServiceRequest]
    needs: list[Need]
    visits: list[Visit]
    topics: topics.TopicSummary
    contacts: list[Contact]
    next_visit: VisitDue | None
    next_steps: list[NextStep]
    feedback_due: list[ServiceRequest]
    """Fast-channel requests of the account waiting for their feedback call."""

    @property
    def capacity_chart(self) -> list[dict[str, Any]]:
        """Monthly maximum demand against the contracted capacity (plotly traces)."""
        months = [f"{f.month:%Y-%m}" for f in self.load_months]
        kva = float(self.account.customer.contracted_kva or 0)
        return [
            {
                "type": "bar",
                "name": _("Maximum demand (kW)"),
                "x": months,
                "y": [f.max_demand_kw for f in self.load_months],
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Contracted capacity (kVA)"),
                "x": months,
                "y": [kva] * len(months),
            },
        ]


def _summary(account: KeyAccount) -> list[tuple[str, Any]]:
    c = account.customer
    return [
        (_("Account number"), c.account_no),
        (_("Account name"), c.name),
        (_("Segment"), c.get_segment_display()),
        (_("Industry"), c.industry_code or "—"),
        (_("Tariff category"), c.get_tariff_category_display()),
        (_("Voltage level"), c.voltage_level),
        (_("Contracted capacity (kVA)"), number(c.contracted_kva)),
        (_("Maximum demand (kW)"), number(c.max_demand_kw)),
        (_("Annual consumption (kWh)"), number(c.annual_kwh, 0)),
        (_("Important customer class"), c.get_importance_class_display() or "—"),
        (_("Supply station"), c.region.name),
        (_("Address"), c.address or "—"),
    ]


def _contacts(account: KeyAccount, visits: list[Visit]) -> list[Contact]:
    c = account.customer
    found = []
    if c.contact_person:
        found.append(Contact(c.contact_person, str(_("Contact person (archive)")), ""))
    if c.phone:
        found.append(Contact(c.name, str(_("Phone (archive)")), mask_phone(c.phone)))
    seen: set[str] = set()
    for visit in visits:
        for person in visit.people_met.replace(",", "、").split("、"):
            person = person.strip()
            if person and person not in seen:
                seen.add(person)
                found.append(
                    Contact(person, str(_("Met on %(day)s") % {"day": visit.visited_on}), "")
                )
    return found[:12]


def _next_steps(
    account: KeyAccount,
    needs: list[Need],
    next_visit: VisitDue | None,
    feedback: list[ServiceRequest],
    today: dt.date,
) -> list[NextStep]:
    steps = []
    manager = str(account.manager or "—")
    if next_visit is not None:
        steps.append(
            NextStep(
                "visit",
                str(
                    _("Visit the customer (every %(days)s days)") % {"days": interval_days(account)}
                ),
                manager,
                next_visit.due_on,
                next_visit.due_on < today,
            )
        )
    for request in feedback:
        steps.append(
            NextStep(
                "feedback",
                str(
                    _("Feedback call for #%(id)s %(type)s")
                    % {"id": request.pk, "type": request.request_type}
                ),
                manager,
                timezone.localtime(request.due_at).date(),
                timezone.localtime(request.due_at).date() < today,
            )
        )
    moves = {
        "screen": _("Screen the reported need"),
        "propose": _("Propose it to the customer"),
        "answer": _("Record the customer's answer"),
        "fulfil": _("Fulfil it"),
    }
    for need in needs:
        if need.stage in NEXT_MOVE:
            steps.append(
                NextStep(
                    "need",
                    f"{moves[NEXT_MOVE[need.stage]]}: {need.title}",
                    str(need.owner),
                    None,
                    False,
                )
            )
    return steps


def account_plan(*, account: KeyAccount, user: User | AnonymousUser, today: dt.date) -> AccountPlan:
    """The plan page's content for an account the user may see (the caller checked)."""
    customer = account.customer
    visits = list(visits_of(account=account)[:50])
    needs = list(needs_visible_to(user=user).filter(key_account=account))
    open_needs = [n for n in needs if n.stage in OPEN_NEED_STAGES]
    next_visit = visit_due(account=account, today=today) if account.active else None
    feedback = [r for r in feedback_calls_due(user=user) if r.customer_id == customer.pk]
    load_months = customer_load_features(customer=customer, months=13)
    return AccountPlan(
        account=account,
        summary=_summary(account),
        completeness=completeness_score(customer, all_specs()),
        credit=customer_credit(customer=customer) if user.has_perm("credit.view_credit") else None,
        load_months=load_months,
        open_requests=open_requests_of(customer_id=customer.pk, limit=20),
        needs=needs,
        visits=visits,
        topics=topics.mine(topics.recent(visits, today=today)),
        contacts=_contacts(account, visits),
        next_visit=next_visit,
        next_steps=_next_steps(account, open_needs, next_visit, feedback, today),
        feedback_due=feedback,
    )
