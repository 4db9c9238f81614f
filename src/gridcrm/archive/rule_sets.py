"""Publishing the mapping rules (R11) as versions of ``core.versioning.PublishedVersion``.

A rule as it is given — by the rules page, by the API, by the demo — has one shape,
``RuleRow`` (pydantic); ``rules_publish`` checks every row against it at once
(``core.versioning.rows_validate``) and publishes them as the next version through
``version_publish``, which takes the next number safely under concurrency.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pydantic
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gridcrm.archive import events, registry
from gridcrm.archive.errors import InvalidFields, NotPermitted
from gridcrm.archive.models import MappingRule, RuleSetVersion
from gridcrm.archive.rules import OPS, published_version, rule_inputs, rule_targets
from gridcrm.core.versioning import rows_validate, version_publish

if TYPE_CHECKING:
    from gridcrm.users.models import User

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class ConditionRow(pydantic.BaseModel):
    """``field op value``: a test of one input field (``rules.condition_holds``)."""

    field: str
    op: str = "eq"
    value: str = ""

    @pydantic.field_validator("value", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value).strip()

    @pydantic.field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in {s.name for s in rule_inputs()}:
            raise ValueError(_("Each condition needs a known field and operator."))
        return value

    @pydantic.field_validator("op")
    @classmethod
    def _known_op(cls, value: str) -> str:
        if value not in OPS:
            raise ValueError(_("Each condition needs a known field and operator."))
        return value


class RuleRow(pydantic.BaseModel):
    """One mapping rule as the rules page, the API and the validation know it."""

    code: str
    name: str = ""
    conditions: list[ConditionRow]
    target: str
    value: str
    raise_only: bool = True
    priority: int = pydantic.Field(default=100, ge=0, le=32767)

    @pydantic.field_validator("code", "name", "value", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value).strip()

    @pydantic.field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Any:
        return 100 if value in (None, "") else value

    @pydantic.field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(_("A rule needs a code of letters, digits and underscores."))
        return value

    @pydantic.field_validator("conditions")
    @classmethod
    def _some_condition(cls, value: list[ConditionRow]) -> list[ConditionRow]:
        if not value:
            raise ValueError(_("A rule needs at least one condition."))
        return value

    @pydantic.field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        if value not in {t.name for t in rule_targets()}:
            raise ValueError(_("The target must be a derived value or behaviour field."))
        return value

    @pydantic.model_validator(mode="after")
    def _value_fits_the_target(self) -> RuleRow:
        try:
            registry.spec(self.target).clean(self.value)
        except ValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from exc
        return self


def rule_row_dict(rule: MappingRule) -> dict[str, Any]:
    """A stored rule as a plain row of ``RuleRow``'s shape (to edit it again, or send it);
    not validated again: a stored rule was valid when it was published."""
    return {
        "code": rule.code,
        "name": rule.name,
        "conditions": list(rule.conditions),
        "target": rule.target,
        "value": rule.value,
        "raise_only": rule.raise_only,
        "priority": rule.priority,
    }


def published_rules() -> list[MappingRule]:
    """The rules of the published version, loaded once per operation."""
    version = published_version()
    return list(version.rules.select_related("version")) if version else []


def rule_rows_validate(rows: Sequence[Mapping[str, Any]]) -> list[RuleRow]:
    """Every row checked at once (``Invalid``, code ``archive.invalid_rules``, naming each
    wrong row and field), and the codes unique."""
    parsed = rows_validate(RuleRow, rows, code="archive.invalid_rules")
    if len({r.code for r in parsed}) != len(parsed):
        raise InvalidFields({"code": _("Rule codes must be unique.")}, code="archive.invalid_rules")
    return parsed


def rules_publish(
    *, rules: Sequence[Mapping[str, Any]], note: str, acting_user: User
) -> RuleSetVersion:
    """Publish a new version of the mapping rules; earlier versions stay as they were."""
    if not acting_user.has_perm("archive.manage_mapping_rules"):
        raise NotPermitted(
            _("Your role may not edit mapping rules."), code="archive.may_not_manage_rules"
        )
    if not note.strip():
        raise InvalidFields({"note": _("Say what changed in this version.")})
    rows = rule_rows_validate(rules)

    def fill(version: RuleSetVersion) -> None:
        MappingRule.objects.bulk_create(
            MappingRule(
                version=version,
                code=r.code,
                name=(r.name or r.code)[:120],
                conditions=[c.model_dump() for c in r.conditions],
                target=r.target,
                value=r.value,
                raise_only=r.raise_only,
                priority=r.priority,
            )
            for r in rows
        )
        events.rule_set_published(version=version, acting_user=acting_user)

    return version_publish(
        RuleSetVersion, acting_user=acting_user, fill=fill, note=note.strip()[:300]
    )
