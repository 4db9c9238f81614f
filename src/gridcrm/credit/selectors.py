"""Reads of the credit app. Customer data only through the archive's selectors
(``customers_visible_to``, ``customer_get_visible``, ``customer_is_visible``).

``credit_grade_for`` and ``credit_policy_for`` are what other apps use; the service app
gets them through the slots ``CREDIT_GRADE`` and ``CREDIT_TERMS`` of
``gridcrm.core.extensions``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from gridcrm.archive.selectors import customer_get_visible, customers_visible_to
from gridcrm.core.audit import TimelineEntry
from gridcrm.core.formats import label_of
from gridcrm.credit.errors import CreditNotFound, CreditRefused
from gridcrm.credit.labels import (
    WATCH_ACTION_LABELS,
    indicator_label,
    model_label,
    rule_label,
)
from gridcrm.credit.models import (
    GRADES_BEST_FIRST,
    CreditAuditEvent,
    CreditEvent,
    CreditRating,
    CreditRun,
    CustomerCredit,
    Decision,
    Deposit,
    GradeChange,
    GradeOverride,
    ModelKind,
    PolicyRule,
    PolicyVersion,
    ReviewRequest,
    ScorecardVersion,
    SegmentModel,
)
from gridcrm.service.credit import CreditTerms, TermsLookup

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

UNRATED_GRADE = "B"
"""The grade of a customer not rated yet: new customers start at B."""


def credit_grade_for(customer: Customer) -> str:
    """The customer's credit grade (AAA, AA, A, B or C); B until first rated."""
    grade = (
        CustomerCredit.objects.filter(customer_id=customer.pk)
        .values_list("grade", flat=True)
        .first()
    )
    return grade or UNRATED_GRADE


def credit_grades() -> dict[int, str]:
    """Customer id → credit grade of every rated customer (the unrated are
    ``UNRATED_GRADE``), for work over every customer (billing's due-date shifts)."""
    return dict(CustomerCredit.objects.values_list("customer_id", "grade").iterator(20000))


@dataclass(frozen=True)
class CreditPolicy:
    """What the customer's grade and segment get under the policies in force (R7)."""

    grade: str
    segment: str
    payment_term_days: int
    grace_eligible: bool
    grace_max_days: int
    grace_needs_approval: bool
    deposit: str
    deposit_months: int
    connection_priority: bool
    outage_notice_days: int
    watch_actions: list[str] = field(default_factory=list)
    version: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def deposit_label(self) -> str:
        return label_of(Deposit, self.deposit)

    @property
    def watch_action_labels(self) -> list[str]:
        return [str(WATCH_ACTION_LABELS.get(a, a)) for a in self.watch_actions]


def policy_rules_current() -> tuple[int, list[dict[str, Any]]]:
    """The version number and rows of the policies in force (built-in when none saved)."""
    from gridcrm.credit.services.policies import DEFAULT_POLICY, POLICY_FIELDS

    version = PolicyVersion.objects.order_by("-number").first()
    if version is None:
        return 0, [dict(r) for r in DEFAULT_POLICY]
    rows = PolicyRule.objects.filter(version=version).values("grade", "segment", *POLICY_FIELDS)
    return version.number, [dict(r) for r in rows]


def _policy_in(number: int, rules: list[dict[str, Any]], grade: str, segment: str) -> CreditPolicy:
    match = next((r for r in rules if r["grade"] == grade and r["segment"] == segment), None)
    match = match or next(r for r in rules if r["grade"] == grade and not r["segment"])
    values = {k: v for k, v in match.items() if k not in ("grade", "segment")}
    return CreditPolicy(grade=grade, segment=segment, version=number, **values)


def policy_for(*, grade: str, segment: str) -> CreditPolicy:
    """The policy in force for a grade in a segment (the segment's own row, else the
    grade's row for all segments)."""
    number, rules = policy_rules_current()
    return _policy_in(number, rules, grade, segment)


@dataclass(frozen=True)
class CustomerTerms:
    """A customer's grade and the policy that grade brings, without the history (what
    the customer's portal shows: two queries instead of ``customer_credit``'s seven)."""

    grade: str
    policy: CreditPolicy


def customer_terms(*, customer: Customer) -> CustomerTerms:
    grade = credit_grade_for(customer)
    return CustomerTerms(grade=grade, policy=policy_for(grade=grade, segment=customer.segment))


STANDARD_TERM_DAYS = 25
"""The term billing gives (a month's bill is issued at the start of the next month and due
on its 25th): a policy's payment term moves the due date by the difference."""


def service_terms() -> TermsLookup:
    """The policies in force, read once, as the service app applies them: the due-date
    shift (payment term − ``STANDARD_TERM_DAYS``), the grace allowance (0 unless
    eligible) and the outage-notice lead. The slot ``CREDIT_TERMS`` installs
    it, so the service matrix does not keep its own copy of these values."""
    number, rules = policy_rules_current()

    def lookup(grade: str, segment: str) -> CreditTerms:
        policy = _policy_in(number, rules, grade, segment)
        return CreditTerms(
            due_shift_days=policy.payment_term_days - STANDARD_TERM_DAYS,
            grace_max_days=policy.grace_max_days if policy.grace_eligible else 0,
            notice_lead_days=policy.outage_notice_days,
            note=_(
                "Credit policy v%(version)s, grade %(grade)s: pay within %(term)s days, "
                "grace up to %(grace)s days, outage notices %(notice)s days ahead"
            )
            % {
                "version": number,
                "grade": grade,
                "term": policy.payment_term_days,
                "grace": policy.grace_max_days if policy.grace_eligible else 0,
                "notice": policy.outage_notice_days,
            },
        )

    return lookup


def credit_policy_for(customer: Customer) -> CreditPolicy:
    """The credit policy that applies to the customer: payment term, grace, deposit,
    connection priority, outage-notice lead, watch-list actions."""
    return policy_for(grade=credit_grade_for(customer), segment=customer.segment)


def can_view_credit(*, user: User | AnonymousUser) -> bool:
    return bool(user.is_active and user.has_perm("credit.view_credit"))


def credit_customer_get(*, user: User | AnonymousUser, account_no: str) -> Customer:
    """A customer whose credit ``user`` may see: ``Refused`` (``credit.not_allowed``)
    without the credit permission, ``NotFound`` when absent or out of scope."""
    if not can_view_credit(user=user):
        raise CreditRefused(_("You may not see credit ratings."), code="credit.not_allowed")
    return customer_get_visible(user=user, account_no=account_no)


def _visible(user: User | AnonymousUser) -> QuerySet[Any]:
    return customers_visible_to(user=user).values("pk")


def override_get_visible(*, user: User | AnonymousUser, override_id: int) -> GradeOverride:
    """An override of a customer ``user`` may see, or ``NotFound``."""
    found = (
        GradeOverride.objects.filter(pk=override_id, customer__in=_visible(user))
        .select_related("customer")
        .first()
    )
    if found is None:
        raise CreditNotFound(_("No such override."), code="credit.override_not_found")
    return found


def review_get_visible(*, user: User | AnonymousUser, review_id: int) -> ReviewRequest:
    """A review request of a customer ``user`` may see, or ``NotFound``."""
    found = (
        ReviewRequest.objects.filter(pk=review_id, customer__in=_visible(user))
        .select_related("customer")
        .first()
    )
    if found is None:
        raise CreditNotFound(_("No such review request."), code="credit.review_not_found")
    return found


def credit_event_get_visible(*, user: User | AnonymousUser, event_id: int) -> CreditEvent:
    """A credit event of a customer ``user`` may see, or ``NotFound``."""
    found = (
        CreditEvent.objects.filter(pk=event_id, customer__in=_visible(user))
        .select_related("customer")
        .first()
    )
    if found is None:
        raise CreditNotFound(_("No such credit event."), code="credit.event_not_found")
    return found


@dataclass(frozen=True)
class CustomerCreditView:
    customer: Customer
    credit: CustomerCredit | None
    grade: str
    policy: CreditPolicy
    reasons: list[dict[str, Any]]
    history: list[CreditRating]
    changes: list[GradeChange]
    events: list[CreditEvent]
    overrides: list[GradeOverride]
    reviews: list[ReviewRequest]

    @property
    def rule_label(self) -> str:
        return rule_label(self.credit.rule) if self.credit else ""

    @property
    def model_label(self) -> str:
        return model_label(self.credit.model) if self.credit else ""


def reasons_of(raw: list[Any]) -> list[dict[str, Any]]:
    """Reason codes as stored (``[indicator, value, points lost]``) with their labels."""
    return [
        {"indicator": r[0], "label": indicator_label(r[0]), "value": r[1], "points_lost": r[2]}
        for r in raw or []
    ]


def customer_credit(*, customer: Customer) -> CustomerCreditView:
    """Everything the 360° panel and the API show about one (visible) customer."""
    credit = CustomerCredit.objects.filter(customer=customer).first()
    grade = credit.grade if credit else UNRATED_GRADE
    return CustomerCreditView(
        customer=customer,
        credit=credit,
        grade=grade,
        policy=policy_for(grade=grade, segment=customer.segment),
        reasons=reasons_of(credit.reasons if credit else []),
        history=list(CreditRating.objects.filter(customer=customer).order_by("-as_of")[:24]),
        changes=list(
            GradeChange.objects.filter(customer=customer).select_related("acting_user")[:20]
        ),
        events=list(CreditEvent.objects.filter(customer=customer)[:20]),
        overrides=list(
            GradeOverride.objects.filter(customer=customer).select_related(
                "requested_by", "decided_by"
            )[:10]
        ),
        reviews=list(ReviewRequest.objects.filter(customer=customer)[:10]),
    )


def grade_distribution(*, user: User | AnonymousUser) -> dict[str, int]:
    """Visible customers per current grade (unrated ones not counted)."""
    visible = customers_visible_to(user=user).values("pk")
    rows = (
        CustomerCredit.objects.filter(customer__in=visible).values("grade").annotate(n=Count("pk"))
    )
    counts = {r["grade"]: r["n"] for r in rows}
    return {g: counts.get(g, 0) for g in GRADES_BEST_FIRST}


def rating_days() -> list[date]:
    return list(
        CreditRun.objects.order_by("-as_of").values_list("as_of", flat=True).distinct()[:24]
    )


def migration_matrix(
    *, user: User | AnonymousUser, before: date, after: date
) -> dict[str, dict[str, int]]:
    """How many visible customers moved from each grade on ``before`` to each on
    ``after`` (rows: the earlier grade, columns: the later)."""
    visible = customers_visible_to(user=user).values("pk")
    earlier = dict(
        CreditRating.objects.filter(as_of=before, customer__in=visible).values_list(
            "customer_id", "grade"
        )
    )
    matrix = {g: {h: 0 for h in GRADES_BEST_FIRST} for g in GRADES_BEST_FIRST}
    later = CreditRating.objects.filter(as_of=after, customer__in=visible).values_list(
        "customer_id", "grade"
    )
    for pk, grade in later.iterator(chunk_size=20_000):
        old = earlier.get(pk)
        if old is not None:
            matrix[old][grade] += 1
    return matrix


def credit_run_last() -> tuple[datetime, float] | None:
    """(when it was stored, seconds it took) of the last completed rating batch, or
    ``None`` before the first. A run row exists only with its grades (``credit.store``),
    so the newest row is the last completed batch; the newest by key, an index read."""
    return CreditRun.objects.order_by("-pk").values_list("started_at", "seconds").first()


def runs_recent() -> QuerySet[CreditRun]:
    return CreditRun.objects.select_related("created_by")[:12]


def scorecard_current(kind: str) -> ScorecardVersion | None:
    return ScorecardVersion.objects.filter(kind=kind).order_by("-number").first()


def scorecard_versions() -> QuerySet[ScorecardVersion]:
    return ScorecardVersion.objects.select_related("published_by").order_by("kind", "-number")


def overrides_pending(*, user: User | AnonymousUser) -> QuerySet[GradeOverride]:
    visible = customers_visible_to(user=user).values("pk")
    return GradeOverride.objects.filter(
        status=Decision.PENDING, customer__in=visible
    ).select_related("customer", "requested_by")


def reviews_open(*, user: User | AnonymousUser) -> QuerySet[ReviewRequest]:
    visible = customers_visible_to(user=user).values("pk")
    return ReviewRequest.objects.filter(
        status=ReviewRequest.Status.OPEN, customer__in=visible
    ).select_related("customer", "submitted_by")


FITTED = ModelKind.FITTED
EXPERT = ModelKind.EXPERT


def segment_models_chosen() -> dict[str, str]:
    """Segment → model kind, for the segments whose model is configured."""
    return dict(SegmentModel.objects.values_list("segment", "kind"))


def credit_timeline(*, customer: Customer, user: User, limit: int = 50) -> list[TimelineEntry]:
    """The customer's grade changes and credit audit events for the 360° timeline; none
    for a user who may not see credit (the ``TIMELINE_SOURCES`` contribution)."""
    if not can_view_credit(user=user):
        return []
    entries = [
        TimelineEntry(
            at=c.at,
            app="credit",
            kind=f"grade_{c.kind}",
            title=_("Credit grade %(old)s → %(new)s")
            % {"old": c.old_grade or "—", "new": c.new_grade},
            text=c.reason_text(),
            acting_user=c.acting_user,
        )
        for c in GradeChange.objects.filter(customer_id=customer.pk).select_related("acting_user")[
            :limit
        ]
    ]
    entries += [
        TimelineEntry(
            at=e.at,
            app="credit",
            kind=e.kind,
            title=e.get_kind_display(),
            acting_user=e.acting_user,
        )
        for e in CreditAuditEvent.objects.filter(customer_id=customer.pk).select_related(
            "acting_user"
        )[:limit]
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
