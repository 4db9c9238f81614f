"""What people read for the codes of indicators and grade rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django_stubs_ext import StrOrPromise

from gridcrm.archive.choices import Segment
from gridcrm.core.formats import label_of, listing, number
from gridcrm.credit.models import GradeChange, ModelKind

INDICATOR_LABELS: dict[str, StrOrPromise] = {
    "on_time_share_12m": _("Bills paid on time, 12 months"),
    "mean_days_late_12m": _("Mean days late, 12 months"),
    "max_days_late_12m": _("Most days late, 12 months"),
    "late_trend_3m": _("Paying later lately (days)"),
    "arrears_months": _("Months of arrears"),
    "arrears_ratio": _("Arrears in months of bills"),
    "partial_share_12m": _("Bills paid in parts, 12 months"),
    "returned_payments_12m": _("Returned payments, 12 months"),
    "tenure_months": _("Months as a customer"),
    "kwh_trend_yoy_3m": _("Consumption on a year before"),
    "kwh_trend_3m": _("Consumption on the 3 months before"),
    "volatility_12m": _("Volatility of monthly consumption"),
    "capacity_utilisation": _("Use of contracted capacity"),
    "theft_24m": _("Electricity theft, 24 months"),
    "illegal_use_12m": _("Illegal use, 12 months"),
    "accidents_12m": _("Accidents caused, 12 months"),
    "hazards_open": _("Hazard notices not rectified"),
    "public_blacklisted": _("On a public credit blacklist"),
    "industry_risk": _("Industry risk"),
}

RULE_LABELS: dict[str, StrOrPromise] = {
    "": _("By score"),
    "score": _("By score"),
    "first_rating": _("First rating"),
    "override": _("Manual override"),
    "theft": _("Automatic C: electricity theft (no promotion for two years)"),
    "illegal_use": _("Automatic C: illegal use"),
    "accident": _("Automatic C: caused an accident"),
    "hazard_ignored": _("Automatic C: major hazard notice not rectified"),
    "arrears_3m": _("Automatic C: three months of arrears"),
    "new_customer": _("At most B: new customers start at B for a year"),
    "after_c": _("At most B: a C cannot jump to A"),
    "open_arrears": _("At most B: no A while arrears are open"),
}


def indicator_label(code: str) -> str:
    return str(INDICATOR_LABELS.get(code, code))


def rule_label(code: str) -> str:
    return str(RULE_LABELS.get(code, code))


WATCH_ACTION_LABELS: dict[str, StrOrPromise] = {
    "extra_reminders": _("Extra payment reminders"),
    "field_check": _("On-site check"),
    "manager_call": _("Call from the account manager"),
    "prepaid_offer": _("Offer prepayment"),
}


def model_label(text: str) -> str:
    """A model as a rating run records it ("fitted v3") in words: 数据拟合评分卡 v3."""
    kind, _sep, version = text.partition(" ")
    return f"{label_of(ModelKind, kind)} {version}".strip()


def grade_change_text(change: GradeChange) -> str:
    """Why a grade changed, in words. A rating batch records its rule and "model: score"
    ("fitted v1: 642.63"): 按得分 · 数据拟合评分卡 v1 · 得分 642.6. A person's reason as typed."""
    if change.kind != GradeChange.Kind.BATCH:
        return change.reason
    model, _sep, score = change.reason.partition(": ")
    parts = [rule_label(change.reason_code), model_label(model)]
    try:
        parts.append(str(_("score %(score)s") % {"score": number(float(score), 1)}))
    except ValueError:  # a batch row written before the score was recorded
        pass
    return " · ".join(parts)


def models_used_text(models_used: dict[str, str]) -> str:
    """Which model rated each segment, in words: "工业：数据拟合评分卡 v3、…"."""
    return listing(
        pgettext("label: value", "%(label)s: %(value)s")
        % {"label": label_of(Segment, segment), "value": model_label(model)}
        for segment, model in models_used.items()
    )
