"""Parsing what the credit pages post: small helpers that raise ``Invalid`` (shown by
``page_errors``) instead of views catching ``ValueError``. A policy row's fields come
from ``PolicyRow``, the shape the API and the service share."""

from __future__ import annotations

from datetime import date
from typing import Any, get_origin

from django.http import QueryDict
from django.utils.translation import gettext as _

from gridcrm.credit.errors import CreditInvalid
from gridcrm.credit.services.policies import PolicyRow
from gridcrm.credit.services.scorecards import GRADES_WITH_CUTOFF


def day_or_none(raw: str | None) -> date | None:
    """A day typed as ``YYYY-MM-DD``; ``None`` when blank or not a day (a filter)."""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def day_required(raw: str | None, *, field: str) -> date:
    """A day typed as ``YYYY-MM-DD``, or ``Invalid`` (``credit.day_invalid``)."""
    day = day_or_none(raw)
    if day is None:
        raise CreditInvalid(
            _("Give a day as YYYY-MM-DD."),
            code="credit.day_invalid",
            fields={field: _("Give a day as YYYY-MM-DD.")},
        )
    return day


def fraction(raw: str, *, field: str) -> float:
    """A judgement typed as a number or a fraction (``1/3``), or ``Invalid``."""
    text = raw.strip()
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            return float(num) / float(den)
        return float(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise CreditInvalid(
            _("The comparisons are not valid."),
            code="credit.ahp_invalid",
            fields={field: _("A number or a fraction such as 1/3.")},
        ) from exc


def matrix_from_post(post: QueryDict, n: int) -> list[list[float]]:
    """The upper triangle of the AHP judgements (``m_i_j``; blank is 1)."""
    upper = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            name = f"m_{i}_{j}"
            upper[i][j] = fraction(post.get(name, "1") or "1", field=name)
    return upper


def cutoffs_from_post(post: QueryDict) -> dict[str, Any]:
    """The posted cut-offs (``cut_AAA`` …), checked by the service."""
    return {g: post.get(f"cut_{g}") for g in GRADES_WITH_CUTOFF}


def policy_rows_from_post(post: QueryDict, count: int) -> list[dict[str, Any]]:
    """The rows ``r0_…`` to ``r{count-1}_…`` of the policies page, by ``PolicyRow``'s
    fields (ticked boxes for booleans, lists for lists); a row without a grade is none."""
    rows = []
    for i in range(count):
        if not post.get(f"r{i}_grade"):
            continue
        row: dict[str, Any] = {}
        for name, spec in PolicyRow.model_fields.items():
            key = f"r{i}_{name}"
            if spec.annotation is bool:
                row[name] = bool(post.get(key))
            elif get_origin(spec.annotation) is list:
                row[name] = post.getlist(key)
            else:
                row[name] = post.get(key, "")
        rows.append(row)
    return rows
