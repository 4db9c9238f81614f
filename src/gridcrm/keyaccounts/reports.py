"""The key-account reports, over what the user may see: visit coverage per manager, needs
by stage and age, conversion of latent needs by rule, fast-channel time limits met, and
the recurring topics of the visit notes. Each section also gives its chart's series
(plotly traces drawn by ``static/gridcrm/charts.js``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count
from django.utils.translation import gettext as _

from gridcrm.core.formats import person
from gridcrm.keyaccounts import topics
from gridcrm.keyaccounts.latent import rule_label
from gridcrm.keyaccounts.models import FeedbackCall, Origin, Satisfaction, Stage, Visit
from gridcrm.keyaccounts.selectors import keyaccounts_visible_to, needs_visible_to, visit_calendar
from gridcrm.service.selectors import RequestTiming, fast_channel_timings

if TYPE_CHECKING:
    from gridcrm.users.models import User

AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 30), (30, 90), (90, None))
CONVERTED = (Stage.CONFIRMED, Stage.FULFILLED)
OPEN_LATENT = (Stage.ANALYSED, Stage.PROPOSED)


@dataclass(frozen=True)
class Coverage:
    manager: str
    accounts: int
    visited_in_time: int

    @property
    def percent(self) -> int:
        return round(100 * self.visited_in_time / self.accounts) if self.accounts else 0


@dataclass(frozen=True)
class StageAge:
    stage: str
    label: str
    count: int
    avg_days: float | None
    by_age: tuple[int, ...]
    """Needs in the stage for under 30 days, 30–90 days, over 90 days."""


@dataclass(frozen=True)
class LatentRule:
    rule: str
    added: int
    open: int
    confirmed: int
    declined: int

    @property
    def label(self) -> str:
        """The rule in words (the need it suggests)."""
        return rule_label(self.rule)

    @property
    def percent(self) -> int:
        decided = self.confirmed + self.declined
        return round(100 * self.confirmed / decided) if decided else 0


@dataclass(frozen=True)
class FastChannelRow:
    label: str
    closed_in_time: int
    closed_late: int
    open_in_time: int
    open_overdue: int

    @property
    def closed(self) -> int:
        return self.closed_in_time + self.closed_late

    @property
    def percent(self) -> int | None:
        """Closed within the time limit, of those closed."""
        return round(100 * self.closed_in_time / self.closed) if self.closed else None


@dataclass(frozen=True)
class ThemeRow:
    code: str
    label: str
    visits: int
    accounts: int
    words: str


@dataclass(frozen=True)
class KeyAccountReport:
    coverage: list[Coverage]
    stages: list[StageAge]
    latent_total: int
    latent_confirmed: int
    latent_declined: int
    latent_rules: list[LatentRule]
    fast: list[FastChannelRow]
    fast_total: FastChannelRow
    satisfaction: list[tuple[str, int]]
    feedback_waived: int
    themes: list[ThemeRow]
    words: list[tuple[str, int]]
    visits_mined: int

    def charts(self) -> dict[str, list[dict[str, Any]]]:
        """Plotly traces for each section's chart."""
        managers = [c.manager for c in self.coverage]
        stage_labels = [s.label for s in self.stages]
        fast_labels = [r.label for r in self.fast]
        rules = [r.label for r in self.latent_rules]
        return {
            "coverage": [
                {
                    "name": _("Visited in time"),
                    "x": managers,
                    "y": [c.visited_in_time for c in self.coverage],
                },
                {
                    "name": _("Overdue or never visited"),
                    "x": managers,
                    "y": [c.accounts - c.visited_in_time for c in self.coverage],
                },
            ],
            "stages": [
                {
                    "name": name,
                    "x": stage_labels,
                    "y": [s.by_age[i] for s in self.stages],
                }
                for i, name in enumerate(
                    [_("Under 30 days"), _("30 to 90 days"), _("Over 90 days")]
                )
            ],
            "latent": [
                {"name": _("Confirmed"), "x": rules, "y": [r.confirmed for r in self.latent_rules]},
                {"name": _("Declined"), "x": rules, "y": [r.declined for r in self.latent_rules]},
                {"name": _("Open"), "x": rules, "y": [r.open for r in self.latent_rules]},
            ],
            "fast": [
                {
                    "name": _("Closed in time"),
                    "x": fast_labels,
                    "y": [r.closed_in_time for r in self.fast],
                },
                {
                    "name": _("Closed late"),
                    "x": fast_labels,
                    "y": [r.closed_late for r in self.fast],
                },
                {
                    "name": _("Open, overdue"),
                    "x": fast_labels,
                    "y": [r.open_overdue for r in self.fast],
                },
                {
                    "name": _("Open, in time"),
                    "x": fast_labels,
                    "y": [r.open_in_time for r in self.fast],
                },
            ],
            "themes": [
                {
                    "name": _("Visits"),
                    "x": [t.label for t in self.themes],
                    "y": [t.visits for t in self.themes],
                }
            ],
        }


def _coverage(user: User | AnonymousUser, today: dt.date) -> list[Coverage]:
    by_manager: dict[str, list[int]] = {}
    for row in visit_calendar(user=user, today=today):
        name = person(row.account.manager)
        counts = by_manager.setdefault(name, [0, 0])
        counts[0] += 1
        counts[1] += row.status != "overdue" and row.last_visit is not None
    return [Coverage(m, c[0], c[1]) for m, c in sorted(by_manager.items())]


def _stages(user: User | AnonymousUser, today: dt.date) -> list[StageAge]:
    now = dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC)
    ages: dict[str, list[float]] = {s: [] for s in Stage.values}
    for stage, changed in needs_visible_to(user=user).values_list("stage", "stage_changed_at"):
        ages[stage].append((now - changed).total_seconds() / 86400)

    def bucket(days: list[float], low: int, high: int | None) -> int:
        return sum(1 for d in days if d >= low and (high is None or d < high))

    return [
        StageAge(
            stage=s,
            label=str(Stage(s).label),
            count=len(ages[s]),
            avg_days=round(sum(ages[s]) / len(ages[s]), 1) if ages[s] else None,
            by_age=tuple(bucket(ages[s], low, high) for low, high in AGE_BUCKETS),
        )
        for s in Stage.values
    ]


def _latent(user: User | AnonymousUser) -> list[LatentRule]:
    counts: dict[str, Counter[str]] = {}
    latent = needs_visible_to(user=user).filter(origin=Origin.LATENT)
    for rule, stage, n in latent.values_list("rule", "stage").annotate(n=Count("pk")):
        counts.setdefault(rule or "—", Counter())[stage] += n
    return [
        LatentRule(
            rule=rule,
            added=sum(c.values()),
            open=sum(c[s] for s in OPEN_LATENT),
            confirmed=sum(c[s] for s in CONVERTED),
            declined=c[Stage.DECLINED],
        )
        for rule, c in sorted(counts.items())
    ]


def fast_channel_timings_of(*, user: User | AnonymousUser) -> list[RequestTiming]:
    """Time limits of the fast-channel requests (not cancelled) of the key accounts the
    user may see."""
    customers = keyaccounts_visible_to(user=user).values("customer_id")
    return fast_channel_timings(customer_ids=customers)


def _fast(
    user: User | AnonymousUser, now: dt.datetime
) -> tuple[list[FastChannelRow], FastChannelRow]:
    rows: dict[str, list[int]] = {}
    for timing in fast_channel_timings_of(user=user):
        counts = rows.setdefault(timing.request_type, [0, 0, 0, 0])
        closed, due = timing.closed_at, timing.due_at
        if timing.done:
            counts[0 if closed is not None and closed <= due else 1] += 1
        else:
            counts[2 if due >= now else 3] += 1
    table = [FastChannelRow(name, *c) for name, c in sorted(rows.items())]
    total = FastChannelRow(
        str(_("All fast-channel requests")),
        *(sum(r[i] for r in rows.values()) for i in range(4)),
    )
    return table, total


def _themes(
    user: User | AnonymousUser, today: dt.date
) -> tuple[list[ThemeRow], topics.TopicSummary]:
    accounts = keyaccounts_visible_to(user=user).values("pk")
    since = today - dt.timedelta(days=topics.WINDOW_DAYS)
    visits = list(
        Visit.objects.filter(key_account__in=accounts, visited_on__gte=since).only(
            "pk", "key_account_id", "visited_on", "notes"
        )
    )
    account_of = {v.pk: v.key_account_id for v in visits}
    summary = topics.mine(visits)
    rows = [
        ThemeRow(
            code=t.theme.code,
            label=str(t.theme.label),
            visits=len(t.visits),
            accounts=len({account_of[v.id] for v in t.visits}),
            words=t.words_text,
        )
        for t in summary.themes
    ]
    return rows, summary


def keyaccount_report(*, user: User | AnonymousUser, today: dt.date) -> KeyAccountReport:
    """Every key-account report over what the user may see."""
    now = dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC)
    latent_rules = _latent(user)
    fast, fast_total = _fast(user, now)
    # Every feedback call is of a fast-channel request of its account.
    calls = FeedbackCall.objects.filter(key_account__in=keyaccounts_visible_to(user=user))
    answered = Counter(calls.filter(waived=False).values_list("satisfaction", flat=True))
    themes, summary = _themes(user, today)
    return KeyAccountReport(
        coverage=_coverage(user, today),
        stages=_stages(user, today),
        latent_total=sum(r.added for r in latent_rules),
        latent_confirmed=sum(r.confirmed for r in latent_rules),
        latent_declined=sum(r.declined for r in latent_rules),
        latent_rules=latent_rules,
        fast=fast,
        fast_total=fast_total,
        satisfaction=[(str(s.label), answered[s.value]) for s in Satisfaction],
        feedback_waived=calls.filter(waived=True).count(),
        themes=themes,
        words=summary.words[:20],
        visits_mined=summary.visits,
    )
