"""What the archive derives for new customers, for a whole batch of an import at once.

``Deriver`` is ``services.refresh_derived`` for new customers, memoised. ``NewCustomers``
plans a batch's new customers a column at a time: rows alike in segment and in which
rule conditions hold are derived together, their tier-1 check and completeness computed
for all rows at once. Tests compare both with ``refresh_derived``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from django.utils import timezone

from gridcrm.archive import registry
from gridcrm.archive.bigrams import search_bigrams
from gridcrm.archive.completeness import completeness_score, missing_fields
from gridcrm.archive.imports.columns import Coded, Judged, NewRows, Row, Same, blanks_as
from gridcrm.archive.models import Customer, MappingRule
from gridcrm.archive.personal import (
    CERTIFICATE,
    LAST4,
    PHONE,
    certificate_hash,
    personal_hashes,
    phone_digits,
)
from gridcrm.archive.registry import TIER_WEIGHTS, FieldSpec, Tier
from gridcrm.archive.rules import condition_holds, evaluate, rule_targets
from gridcrm.archive.segments import classify_segment
from gridcrm.core.sealing import keyring


class Draft:
    """A new customer's attributes before it exists: enough for the registry's getters,
    completeness and the mapping rules, without the cost of a model instance."""

    def __init__(self, attrs: dict[str, Any]) -> None:
        self.__dict__ = attrs


class Deriver:
    """``services.refresh_derived`` for new customers, memoised: the rules' outcome depends
    only on the fields their conditions read, and completeness only on the segment and
    which fields are filled. Tests compare it with ``refresh_derived``."""

    def __init__(self, specs: Sequence[FieldSpec], rules: list[MappingRule]) -> None:
        self.specs = list(specs)
        self.rules = rules
        inputs = sorted({str(c["field"]) for r in rules for c in r.conditions})
        self.inputs = [registry.spec(name) for name in inputs]
        self.outcomes: dict[tuple[Any, ...], Any] = {}
        self.scores: dict[tuple[Any, ...], int] = {}
        self.segments: dict[tuple[str, str], str] = {}

    def segment_of(self, tariff_category: str, industry_code: str) -> str:
        """``classify_segment``, memoised: a file has few tariff and industry pairs."""
        key = (tariff_category, industry_code)
        segment = self.segments.get(key)
        if segment is None:
            segment = self.segments[key] = classify_segment(
                tariff_category=tariff_category, industry_code=industry_code
            ).value
        return segment

    def derive(self, draft: Draft, filled: frozenset[str]) -> None:
        """Set the hashes of the sealed fields, search_bigrams, segment, the rule targets,
        rules_fired and completeness."""
        customer = cast(Customer, draft)
        draft.__dict__.update(personal_hashes(customer))
        customer.search_bigrams = search_bigrams(customer.name, customer.address)
        if not customer.segment_override_reason:
            customer.segment = self.segment_of(customer.tariff_category, customer.industry_code)
        key = tuple(s.get(customer) for s in self.inputs)
        outcome = self.outcomes.get(key)
        if outcome is None:
            outcome = self.outcomes[key] = evaluate(customer, self.rules)
        for name, value in outcome.values.items():
            setattr(customer, name, value)
        customer.rules_fired = outcome.fired
        score_key = (customer.segment, filled, key)
        score = self.scores.get(score_key)
        if score is None:
            score = self.scores[score_key] = completeness_score(customer, self.specs)
        customer.completeness = score


class NewCustomers:
    """The new customers of each batch as columns of ``Customer``'s attributes (``plan``),
    with the rows refused for a missing tier-1 field."""

    def __init__(self, specs: Sequence[FieldSpec], rules: list[MappingRule]) -> None:
        self.specs = list(specs)
        # Where a new customer keeps each field: its column's attribute, or None for an
        # extension field (kept in ``extra``).
        self.attnames = {
            s.name: None if s.custom is not None else s.column.attname for s in self.specs
        }
        self.deriver = Deriver(self.specs, rules)
        # The distinct conditions of the rules, and what ``Deriver.derive`` sets that rows
        # alike share (``plan``).
        self.conditions = list(
            {
                json.dumps(c, sort_keys=True, default=str): c
                for rule in rules
                for c in rule.conditions
            }.values()
        )
        self.derived_attnames = [
            "segment",
            *(t.column.attname for t in rule_targets()),
            "rules_fired",
        ]
        self.missing: dict[tuple[str, frozenset[str]], list[FieldSpec]] = {}
        self.defaults = self._defaults()

    def _defaults(self) -> dict[str, Any]:
        now = timezone.now()
        defaults: dict[str, Any] = {}
        for f in Customer._meta.concrete_fields:
            if f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = now
            else:
                defaults[f.attname] = f.get_default()
        return defaults

    def plan(self, judged: Judged) -> tuple[NewRows | None, list[tuple[Row, list[FieldSpec]]]]:
        """The batch's new customers, a column at a time, and the rows refused with the
        tier-1 fields each misses.

        - The segment comes from tariff and industry, once per distinct pair.
        - The rules' outcome depends only on the segment and on which of their conditions
          hold (each judged once per distinct value): rows alike in these are derived
          together, the first of them through ``Deriver.derive``.
        - Which tier-1 fields a row misses, and its completeness, depend on its segment
          and on which fields it fills: computed for all rows at once from the filled
          cells, weighted as ``completeness_score`` weighs them.
        - Phone digits and search keys are each row's own.
        """
        count = len(judged)
        if not count:
            return None, []
        blanks = [""] * count
        tariffs = judged.column("tariff_category") or blanks
        industries = judged.column("industry_code") or blanks
        # A row without a tariff keeps the default segment (and is refused below).
        pairs = dict.fromkeys(zip(tariffs, industries, strict=True))
        for tariff, industry in pairs:
            pairs[tariff, industry] = (
                self.deriver.segment_of(tariff, industry)
                if tariff
                else (self.defaults["segment"], industry)
            )
        segments = list(map(pairs.__getitem__, zip(tariffs, industries, strict=True)))
        holds = [self._condition_column(judged, c) for c in self.conditions]
        groups: dict[tuple[Any, ...], int] = {}
        group_of_row = [
            groups.setdefault(key, len(groups)) for key in zip(segments, *holds, strict=True)
        ]
        first_rows: dict[int, int] = {}
        for index, group in enumerate(group_of_row):
            first_rows.setdefault(group, index)
        drafts = [self._derived_draft(judged, first_rows[g]) for g in range(len(groups))]
        group_at = np.asarray(group_of_row, dtype=np.intp)
        refused, completeness = self._tier_scores(judged, drafts, group_at)
        missing: list[tuple[Row, list[FieldSpec]]] = []
        if refused.any():
            missing = [self._missing(judged, i) for i in np.flatnonzero(refused).tolist()]
            kept = np.flatnonzero(~refused)
            if not len(kept):
                return None, missing
            judged = judged.take(kept.tolist())
            group_at = group_at[kept]
            completeness = completeness[kept]
        return self._new_columns(judged, group_at, drafts, completeness), missing

    def _tier_scores(self, judged: Judged, drafts: list[Draft], group_at: Any) -> tuple[Any, Any]:
        """For every row: whether it misses an applicable tier-1 field, and its
        completeness (``completeness_score``: the tier-weighted share of the applicable
        fields that hold a value, 0–100). A field the file has counts as its cells are
        filled; any other as the row's group holds it (a default or a rule's value)."""
        count = len(judged)
        filled = np.stack(judged.filled, axis=1)
        column_at = {name: j for j, name in enumerate(judged.names)}
        for name, j in column_at.items():
            attname = self.attnames[name]
            if attname is not None and not FieldSpec.is_blank(self.defaults[attname]):
                filled[:, j] = True  # a blank cell leaves a default that counts as filled
        refused = np.zeros(count, dtype=bool)
        weighted = np.zeros(count, dtype=np.int64)
        totals = np.zeros(len(drafts), dtype=np.int64)
        constants = np.zeros(len(drafts), dtype=np.int64)
        by_segment: dict[str, list[int]] = {}
        for group, draft in enumerate(drafts):
            by_segment.setdefault(cast(Customer, draft).segment, []).append(group)
        for segment, members in by_segment.items():
            rows = np.isin(group_at, members)
            probe = cast(Customer, Draft({"segment": segment}))
            weights = np.zeros(len(judged.names), dtype=np.int64)
            others: list[FieldSpec] = []
            for field_spec in self.specs:
                if field_spec.name == "segment" or not field_spec.applies(probe):
                    continue
                at = column_at.get(field_spec.name)
                if at is not None:
                    weights[at] = TIER_WEIGHTS[field_spec.tier]
                    if field_spec.tier == Tier.ONE:
                        refused[rows] |= ~filled[rows, at]
                else:
                    others.append(field_spec)
            weighted[rows] = filled[rows] @ weights
            for group in members:
                customer = cast(Customer, drafts[group])
                totals[group] = weights.sum() + sum(TIER_WEIGHTS[o.tier] for o in others)
                constants[group] = sum(
                    TIER_WEIGHTS[o.tier] for o in others if not o.is_blank(o.get(customer))
                )
                if any(o.tier == Tier.ONE and o.is_blank(o.get(customer)) for o in others):
                    refused[group_at == group] = True
        total = totals[group_at]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.rint(100 * (constants[group_at] + weighted) / total)
        completeness = np.where(total > 0, share, 100).astype(np.int64)
        return refused, completeness

    def _condition_column(self, judged: Judged, condition: dict[str, Any]) -> list[bool]:
        """Whether a rule's condition holds of each row, judged once per distinct value of
        the field it reads (the default where the file has no such column or the cell is
        blank). A condition on a field the import derives (the segment) reads its
        default here; rows alike in it are alike in segment anyway."""
        field_spec = registry.spec(condition["field"])
        attname = self.attnames[field_spec.name]
        default = None if attname is None else self.defaults[attname]
        values = judged.column(field_spec.name)
        if values is None:
            values = [default] * len(judged)
        else:
            values = blanks_as(values, judged.filled[judged.names.index(field_spec.name)], default)
        outcome = {}
        for value in dict.fromkeys(values):
            attrs = {"extra": {field_spec.name: value}} if attname is None else {attname: value}
            outcome[value] = condition_holds(cast(Customer, Draft(attrs)), condition)
        return list(map(outcome.__getitem__, values))

    def _draft(self, values: dict[str, Any]) -> Draft:
        attrs = self.defaults.copy()
        extra: dict[str, Any] = {}
        for name, value in values.items():
            attname = self.attnames[name]
            if attname is None:
                extra[name] = value
            else:
                attrs[attname] = value
        attrs["extra"] = extra
        return Draft(attrs)

    def _derived_draft(self, judged: Judged, index: int) -> Draft:
        """One row after ``Deriver.derive``: what the rows of its group share."""
        row = judged.row(index)
        draft = self._draft(row.values)
        self.deriver.derive(draft, frozenset(row.values))
        return draft

    def _missing(self, judged: Judged, index: int) -> tuple[Row, list[FieldSpec]]:
        """A row refused for a missing tier-1 field, with the fields it misses."""
        row = judged.row(index)
        customer = cast(Customer, self._draft(row.values))
        if customer.tariff_category:
            customer.segment = self.deriver.segment_of(
                customer.tariff_category, customer.industry_code
            )
        missing_key = (customer.segment, frozenset(row.values))
        missing = self.missing.get(missing_key)
        if missing is None:
            missing = self.missing[missing_key] = missing_fields(customer, self.specs, Tier.ONE)
        return row, missing

    def _new_columns(
        self, judged: Judged, group_at: Any, drafts: list[Draft], completeness: Any
    ) -> NewRows:
        """Every attribute of the new customers as a column: the file's (the default where
        a cell is blank), the derived ones by group, completeness, the row's own phone
        digits, the rest the model's defaults."""
        count = len(judged)
        columns: dict[str, list[Any] | Coded | Same] = {
            name: Same(value) for name, value in self.defaults.items()
        }
        extras: list[dict[str, Any]] | None = None
        for name, values, filled in zip(judged.names, judged.columns, judged.filled, strict=True):
            attname = self.attnames[name]
            if attname is None:  # an extension field, kept in ``extra``
                if extras is None:
                    extras = [{} for _ in range(count)]
                for extra, value, holds in zip(extras, values, filled.tolist(), strict=True):
                    if holds:
                        extra[name] = value
            else:
                columns[attname] = blanks_as(values, filled, self.defaults[attname])
        columns["extra"] = Same({}) if extras is None else cast(list[Any], extras)
        groups = group_at.tolist()
        for attname in self.derived_attnames:
            outcome = [draft.__dict__[attname] for draft in drafts]
            columns[attname] = (
                Same(outcome[0]) if len(outcome) == 1 else list(map(outcome.__getitem__, groups))
            )
        columns["completeness"] = completeness.tolist()
        columns.update(_hash_columns(columns))
        del columns["search_bigrams"]  # made by the writer, as it stores them
        return NewRows(judged.numbers, judged.account_nos(), columns)

    # -- a known customer


def _hash_columns(columns: dict[str, list[Any] | Coded | Same]) -> dict[str, list[Any] | Same]:
    """The hash columns of a batch's phones and certificate numbers
    (``personal.personal_hashes`` a column at a time)."""
    ring = keyring()

    def texts(attname: str) -> list[str] | None:
        values = columns[attname]
        return None if isinstance(values, Same) else list(values)

    def digits_of(phones: list[str]) -> list[str]:
        return [p if p.isascii() and p.isdigit() else phone_digits(p or "") for p in phones]

    phones, alts, certificates = texts("phone"), texts("phone_alt"), texts("certificate_no")
    hashed: dict[str, list[Any] | Same] = {}
    if phones is None:
        hashes = personal_hashes(
            cast(
                Customer,
                Draft(
                    {
                        "phone": cast(Same, columns["phone"]).value or "",
                        "phone_alt": "",
                        "certificate_no": "",
                    }
                ),
            )
        )
        hashed["phone_hash"] = Same(hashes["phone_hash"])
        hashed["phone_last4_hash"] = Same(hashes["phone_last4_hash"])
    else:
        digits = digits_of(phones)
        hashed["phone_hash"] = ring.hash_many(PHONE, digits)
        hashed["phone_last4_hash"] = ring.hash_many(LAST4, [d[-4:] for d in digits])
    if alts is None:
        alt = cast(Same, columns["phone_alt"]).value or ""
        hashed["phone_alt_hash"] = Same(ring.search_hash(PHONE, phone_digits(alt)))
    else:
        hashed["phone_alt_hash"] = ring.hash_many(PHONE, digits_of(alts))
    if certificates is None:
        certificate = cast(Same, columns["certificate_no"]).value or ""
        hashed["certificate_hash"] = Same(certificate_hash(certificate))
    else:
        hashed["certificate_hash"] = ring.hash_many(
            CERTIFICATE, [c.strip().upper() if c else "" for c in certificates]
        )
    return hashed
