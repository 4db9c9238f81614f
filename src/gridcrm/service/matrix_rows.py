"""The shape of one rule of the service matrix, shared by the matrix editor's form, the
API and ``matrix_publish``'s validation: one definition of what a valid rule is.

Blank conditions match everything; lists may be given as comma-separated text (as the
editor's fields are typed). Whether the request types named exist is a question for the
database, asked by ``matrix_rows_validate``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import pydantic
from django.utils.translation import gettext as _

from gridcrm.archive.choices import ImportanceClass, Segment
from gridcrm.service.models import Channel, CreditGrade, LimitUnit, MatrixRule, Package
from gridcrm.users.roles import Role

RULE_FIELDS = (
    "segment",
    "credit_grade",
    "importance",
    "request_types",
    "channel",
    "priority",
    "limit_factor",
    "package",
    "extra_steps",
    "reminder_days",
    "note",
)


def _one_of(value: str, allowed: Any, message: str) -> str:
    if value and value not in allowed:
        raise ValueError(message)
    return value


def _listed(value: Any) -> Any:
    """Comma-separated text as a list (blank text: nothing)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class ExtraStepRow(pydantic.BaseModel):
    """A step the rule adds to every request it applies to."""

    model_config = pydantic.ConfigDict(extra="forbid")

    code: str = pydantic.Field(min_length=1, max_length=40)
    name_zh: str = pydantic.Field(min_length=1, max_length=60)
    name_en: str = pydantic.Field(min_length=1, max_length=80)
    owner_role: str
    limit_unit: str
    limit_value: int = pydantic.Field(ge=1)
    before: str = ""

    @pydantic.field_validator("owner_role")
    @classmethod
    def _role(cls, value: str) -> str:
        return _one_of(value or "?", Role.values, _("Unknown role."))

    @pydantic.field_validator("limit_unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        return _one_of(value or "?", LimitUnit.values, _("Unknown time limit unit."))


class MatrixRuleRow(pydantic.BaseModel):
    """One rule of the service matrix as typed, sent or stored."""

    model_config = pydantic.ConfigDict(extra="forbid")

    segment: str = ""
    credit_grade: str = ""
    importance: str = ""
    request_types: list[str] = []
    channel: str = ""
    priority: int | None = pydantic.Field(default=None, ge=1, le=5)
    limit_factor: Decimal | None = pydantic.Field(default=None, ge=Decimal("0.1"), le=Decimal("2"))
    package: str = ""
    extra_steps: list[ExtraStepRow] = []
    reminder_days: list[Annotated[int, pydantic.Field(ge=0, le=30)]] | None = None
    note: str = pydantic.Field(max_length=200)

    @pydantic.field_validator(
        "segment", "credit_grade", "importance", "channel", "package", "note", mode="before"
    )
    @classmethod
    def _blank_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value.strip() if isinstance(value, str) else value

    @pydantic.field_validator("request_types", "extra_steps", mode="before")
    @classmethod
    def _blank_list(cls, value: Any) -> Any:
        return [] if value in (None, "") else _listed(value)

    @pydantic.field_validator("reminder_days", mode="before")
    @classmethod
    def _reminders(cls, value: Any) -> Any:
        return _listed(value) or None

    @pydantic.field_validator("priority", "limit_factor", mode="before")
    @classmethod
    def _blank_number(cls, value: Any) -> Any:
        return None if value == "" else value

    @pydantic.field_validator("limit_factor")
    @classmethod
    def _hundredths(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(Decimal("0.01"))

    @pydantic.field_validator("segment")
    @classmethod
    def _segment(cls, value: str) -> str:
        return _one_of(value, Segment.values, _("Unknown segment."))

    @pydantic.field_validator("credit_grade")
    @classmethod
    def _grade(cls, value: str) -> str:
        return _one_of(value, CreditGrade.values, _("Unknown credit grade."))

    @pydantic.field_validator("importance")
    @classmethod
    def _importance(cls, value: str) -> str:
        allowed = {MatrixRule.IMPORTANT, *ImportanceClass.values}
        return _one_of(value, allowed, _("Unknown important customer class."))

    @pydantic.field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return _one_of(value, Channel.values, _("Unknown channel."))

    @pydantic.field_validator("package")
    @classmethod
    def _package(cls, value: str) -> str:
        return _one_of(value, Package.values, _("Unknown package."))

    @pydantic.field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        if not value:
            raise ValueError(_("Say why the rule exists; agents read it on every request."))
        return value
