"""Scorecards: which model rates each segment, and publishing new versions (the expert
scorecard from AHP judgements, other cut-offs, the data-fitted scorecard). Every version
is published through ``core.versioning.version_publish`` (numbered per kind) and writes
its audit event in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pyarrow as pa
from django.db import transaction
from django.utils.translation import gettext as _

from gridcrm.archive.choices import Segment
from gridcrm.core.versioning import version_publish
from gridcrm.credit import events as audit
from gridcrm.credit import pipelines
from gridcrm.credit.ahp import MAX_CR
from gridcrm.credit.cards import Card
from gridcrm.credit.errors import CreditInvalid, CreditRefused
from gridcrm.credit.expert import DEFAULT_CUTOFFS, DEFAULT_MATRIX, expert_build
from gridcrm.credit.models import ModelKind, ScorecardVersion, SegmentModel
from gridcrm.credit.scorecard import PDO, FitError, fit_scorecard, snapshot_days
from gridcrm.credit.services.sources import customers_arrow, events_arrow, lake_tables

if TYPE_CHECKING:
    from gridcrm.users.models import User

GRADES_WITH_CUTOFF = ("AAA", "AA", "A", "B")


class FitFailed(CreditInvalid, FitError):
    """The data-fitted scorecard could not be fitted (``credit.fit_failed``): the lake
    holds too little, or the fit found nothing. Still a ``scorecard.FitError`` for the
    callers that catch the fitting's own error (the demo)."""

    code = "credit.fit_failed"


@dataclass(frozen=True)
class ActiveModel:
    """The scorecard in force for a segment: its card, cut-offs and event scale."""

    kind: str
    number: int
    card: Card
    cutoffs: dict[str, float]
    event_scale: float

    @property
    def label(self) -> str:
        return f"{self.kind} v{self.number}"


def _require(user: User | None, perm: str, message: str = "") -> None:
    if user is not None and not user.has_perm(perm):
        raise CreditRefused(message or _("You may not do this."), code="credit.not_allowed")


def default_expert() -> ActiveModel:
    """The expert scorecard of the built-in AHP judgements (version 0, never saved)."""
    card, _result = expert_build(DEFAULT_MATRIX)
    return ActiveModel(ModelKind.EXPERT, 0, Card.of(card), dict(DEFAULT_CUTOFFS), 1.0)


def active_model(kind: str) -> ActiveModel | None:
    """The latest published scorecard of ``kind`` (the built-in expert one when none)."""
    version = ScorecardVersion.objects.filter(kind=kind).order_by("-number").first()
    if version is None:
        return default_expert() if kind == ModelKind.EXPERT else None
    return ActiveModel(
        kind,
        version.number,
        Card.of(version.card),
        dict(version.cutoffs),
        float(version.event_scale),
    )


def models_by_segment() -> dict[str, ActiveModel]:
    """Which model rates each segment: the configured kind (``SegmentModel``), else the
    data-fitted scorecard when one exists, else the expert scorecard."""
    fitted = active_model(ModelKind.FITTED)
    expert = active_model(ModelKind.EXPERT) or default_expert()
    chosen = dict(SegmentModel.objects.values_list("segment", "kind"))
    out: dict[str, ActiveModel] = {}
    for segment in Segment.values:
        kind = chosen.get(segment)
        if kind == ModelKind.EXPERT or fitted is None:
            out[segment] = expert
        else:
            out[segment] = fitted
    return out


@transaction.atomic
def segment_model_set(*, segment: str, kind: str, acting_user: User) -> SegmentModel | None:
    """Choose the model of a segment; ``kind`` blank: the segment follows the default
    (the fitted scorecard when one exists) again."""
    _require(acting_user, "credit.manage_credit_models")
    if segment not in Segment.values or (kind and kind not in ModelKind.values):
        raise CreditInvalid(_("Unknown segment or model."), code="credit.unknown_model")
    row: SegmentModel | None = None
    if kind:
        row, _created = SegmentModel.objects.update_or_create(
            segment=segment, defaults={"kind": kind, "changed_by": acting_user}
        )
        audit.segment_model_set(segment=segment, kind=kind, acting_user=acting_user)
    elif SegmentModel.objects.filter(segment=segment).delete()[0]:
        audit.segment_model_set(segment=segment, kind="", acting_user=acting_user)
    return row


def cutoffs_check(cutoffs: dict[str, Any]) -> dict[str, float]:
    """The four cut-offs as numbers, not rising from AAA down to B; else ``Invalid``."""
    try:
        clean = {g: float(cutoffs[g]) for g in GRADES_WITH_CUTOFF}
    except (KeyError, TypeError, ValueError) as exc:
        raise CreditInvalid(
            _("Give a number as the cut-off of every grade."), code="credit.cutoffs_invalid"
        ) from exc
    if not clean["AAA"] >= clean["AA"] >= clean["A"] >= clean["B"]:
        raise CreditInvalid(
            _("Cut-offs must not rise from AAA down to B."), code="credit.cutoffs_rise"
        )
    return clean


def _publish(
    *,
    kind: str,
    card: Card,
    cutoffs: dict[str, float],
    event_scale: float,
    detail: dict[str, Any],
    note: str,
    acting_user: User | None,
) -> ScorecardVersion:
    version = version_publish(
        ScorecardVersion,
        acting_user=acting_user,
        series={"kind": kind},
        note=note[:300],
        card=card.as_json(),
        cutoffs=cutoffs,
        event_scale=event_scale,
        detail=detail,
    )
    audit.scorecard_published(version=version, acting_user=acting_user)
    return version


@transaction.atomic
def expert_publish(
    *,
    matrix: Sequence[Sequence[float]],
    cutoffs: dict[str, float] | None = None,
    note: str,
    acting_user: User,
) -> ScorecardVersion:
    """Publish a new expert scorecard from AHP judgements (upper triangle, CRITERIA
    order). Refused when the matrix is invalid (``credit.ahp_invalid``) or its consistency
    ratio is above 0.1 (``credit.ahp_inconsistent``)."""
    _require(
        acting_user,
        "credit.manage_credit_models",
        _("Only a marketing manager edits the expert scorecard."),
    )
    raw, result = expert_build(matrix)
    if result.cr > MAX_CR:
        raise CreditInvalid(
            _(
                "The judgements are inconsistent: consistency ratio %(cr).3f is above 0.1. "
                "Revise the comparisons."
            )
            % {"cr": result.cr},
            code="credit.ahp_inconsistent",
        )
    full = [[float(v) for v in row] for row in matrix]
    return _publish(
        kind=ModelKind.EXPERT,
        card=Card.of(raw),
        cutoffs=cutoffs_check(cutoffs or dict(DEFAULT_CUTOFFS)),
        event_scale=1.0,
        detail={
            "matrix": full,
            "weights": result.weights,
            "lambda_max": result.lambda_max,
            "ci": result.ci,
            "cr": result.cr,
        },
        note=note,
        acting_user=acting_user,
    )


@transaction.atomic
def cutoffs_publish(
    *, kind: str, cutoffs: dict[str, float], note: str, acting_user: User
) -> ScorecardVersion:
    """A new version of the current scorecard of ``kind`` with other grade cut-offs."""
    _require(acting_user, "credit.manage_credit_models")
    current = ScorecardVersion.objects.filter(kind=kind).order_by("-number").first()
    if current is None:
        base = default_expert()
        card, detail, scale = base.card, {}, 1.0
    else:
        card, detail, scale = Card.of(current.card), current.detail, current.event_scale
    return _publish(
        kind=kind,
        card=card,
        cutoffs=cutoffs_check(cutoffs),
        event_scale=scale,
        detail=detail,
        note=note,
        acting_user=acting_user,
    )


def training_sample(
    *,
    con: ibis.BaseBackend,
    until: date,
    customers: pa.Table | None = None,
    events: pa.Table | None = None,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """The stacked monthly snapshots (indicators, ``bad``, ``snapshot``) as a DataFrame.
    ``Invalid`` (``credit.fit_failed``) when the lake holds too little."""
    import pandas as pd

    bills, payments, violations = lake_tables(con)
    first = con.execute(bills.period.min())
    if first is None:
        raise FitFailed(_("The lake holds no bills."))
    if customers is None:
        customers, _ids = customers_arrow()
    cust = ibis.memtable(customers)
    ev = ibis.memtable(events if events is not None else events_arrow())
    frames = []
    for day in snapshot_days(first, until):
        ind = pipelines.credit_indicators(bills, payments, violations, cust, ev, as_of=day)
        outcome = pipelines.serious_arrears_outcome(bills, payments, as_of=day, until=until)
        # Customers with a bill before the day only: the others have no record to rate.
        seen = pipelines.known_bills(bills, as_of=day).select("account_no").distinct()
        j = ind.inner_join(seen, "account_no").left_join(outcome, "account_no")
        frame = con.to_pandas(j.select(*pipelines.INDICATORS, "account_no", bad=j.bad.coalesce(0)))
        frame["snapshot"] = day
        frames.append(frame)
        if progress:
            progress(f"snapshot {day}: {len(frame)} customers, {int(frame['bad'].sum())} bad")
    if not frames:
        raise FitFailed(_("The lake holds too few months for a snapshot with an outcome."))
    return pd.concat(frames, ignore_index=True)


@transaction.atomic
def fitted_publish(
    *,
    sample: Any,
    note: str,
    acting_user: User | None,
    truth: Any | None = None,
    candidates: Sequence[str] | None = None,
) -> ScorecardVersion:
    """Fit the data-fitted scorecard on ``sample`` and publish it as a new version; a fit
    that fails is ``Invalid`` (``credit.fit_failed``). ``candidates``: the indicators the
    fit may choose from (default ``scorecard.FITTED_CANDIDATES``; a text column among
    them is binned as categories).

    ``truth`` (account_no → hidden class), when given (the demo), adds to the report how
    the out-of-time scores rank each hidden class.
    """
    _require(acting_user, "credit.manage_credit_models")
    try:
        fitted = (
            fit_scorecard(sample)
            if candidates is None
            else fit_scorecard(sample, candidates=tuple(candidates))
        )
    except FitError as exc:
        raise FitFailed(str(exc)) from exc
    card = Card.of(fitted.card)
    report = fitted.report
    if truth is not None:
        report.truth = _truth_table(card, sample, report.oot_days, truth)
    return _publish(
        kind=ModelKind.FITTED,
        card=card,
        cutoffs=fitted.cutoffs,
        event_scale=PDO / 10,
        detail=json.loads(json.dumps(report.as_json(), default=_json_default)),
        note=note,
        acting_user=acting_user,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, float | np.floating) and value != value:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


def _truth_table(card: Card, sample: Any, oot_days: list[str], truth: Any) -> list[dict[str, Any]]:
    from gridcrm.credit.scorecard import card_score, roc_auc

    oot = sample[sample["snapshot"].astype(str).str[:10].isin(oot_days)].copy()
    oot["score"] = card_score(card.as_json(), oot)
    merged = oot.merge(truth, on="account_no", how="inner")
    rows = []
    risky = merged["risk"].isin(["drifter", "failing"]).to_numpy(dtype=int)
    for risk, part in merged.groupby("risk"):
        rows.append(
            {
                "risk": str(risk),
                "customers": int(len(part)),
                "mean_score": round(float(part["score"].mean()), 1),
                "bad_rate": round(float(part["bad"].mean()), 4),
            }
        )
    rows.append(
        {
            "risk": "auc_drifter_failing_vs_rest",
            "customers": int(len(merged)),
            "mean_score": round(roc_auc(risky, -merged["score"].to_numpy()), 4),
            "bad_rate": None,
        }
    )
    return rows
