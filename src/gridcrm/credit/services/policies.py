"""Credit policies (R7): what each grade (and segment) gets. A rule row's shape is
``PolicyRow`` (pydantic), shared by the policies page, the API and the validation;
versions are published through ``core.versioning.version_publish``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pydantic
from django.db import transaction
from django.utils.translation import gettext as _

from gridcrm.archive.choices import Segment
from gridcrm.core.versioning import rows_validate, version_publish
from gridcrm.credit import events as audit
from gridcrm.credit.errors import CreditInvalid, CreditRefused
from gridcrm.credit.models import Deposit, Grade, PolicyRule, PolicyVersion

if TYPE_CHECKING:
    from gridcrm.users.models import User

POLICY_FIELDS = (
    "payment_term_days",
    "grace_eligible",
    "grace_max_days",
    "grace_needs_approval",
    "deposit",
    "deposit_months",
    "connection_priority",
    "outage_notice_days",
    "watch_actions",
)
WATCH_ACTIONS = ("extra_reminders", "field_check", "manager_call", "prepaid_offer")

DEFAULT_POLICY: list[dict[str, Any]] = [
    {
        "grade": "AAA",
        "segment": "",
        "payment_term_days": 30,
        "grace_eligible": True,
        "grace_max_days": 15,
        "grace_needs_approval": False,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": True,
        "outage_notice_days": 10,
        "watch_actions": [],
    },
    {
        "grade": "AA",
        "segment": "",
        "payment_term_days": 30,
        "grace_eligible": True,
        "grace_max_days": 10,
        "grace_needs_approval": True,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": True,
        "outage_notice_days": 8,
        "watch_actions": [],
    },
    {
        "grade": "A",
        "segment": "",
        "payment_term_days": 25,
        "grace_eligible": True,
        "grace_max_days": 5,
        "grace_needs_approval": True,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": [],
    },
    {
        "grade": "B",
        "segment": "",
        "payment_term_days": 20,
        "grace_eligible": False,
        "grace_max_days": 0,
        "grace_needs_approval": True,
        "deposit": "none",
        "deposit_months": 0,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": ["extra_reminders"],
    },
    {
        "grade": "C",
        "segment": "",
        "payment_term_days": 15,
        "grace_eligible": False,
        "grace_max_days": 0,
        "grace_needs_approval": True,
        "deposit": "deposit",
        "deposit_months": 1,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": ["extra_reminders", "field_check", "manager_call"],
    },
    {
        "grade": "C",
        "segment": "residential",
        "payment_term_days": 15,
        "grace_eligible": False,
        "grace_max_days": 0,
        "grace_needs_approval": True,
        "deposit": "prepaid",
        "deposit_months": 0,
        "connection_priority": False,
        "outage_notice_days": 7,
        "watch_actions": ["extra_reminders", "prepaid_offer"],
    },
]


# A blank form field means the row's default, as the policies page always did.
_BLANK_DEFAULTS: dict[str, Any] = {
    "segment": "",
    "payment_term_days": 0,
    "grace_max_days": 0,
    "deposit": Deposit.NONE,
    "deposit_months": 0,
    "outage_notice_days": 7,
    "watch_actions": [],
}


class PolicyRow(pydantic.BaseModel):
    """One rule row: what a grade gets (in one segment, or in all when ``segment`` is
    blank). The same model checks the page's rows, the API's and the service's."""

    model_config = pydantic.ConfigDict(extra="ignore")

    grade: str
    segment: str = ""
    payment_term_days: int = pydantic.Field(ge=5, le=90)
    grace_eligible: bool = False
    grace_max_days: int = pydantic.Field(default=0, ge=0, le=60)
    grace_needs_approval: bool = True
    deposit: str = Deposit.NONE
    deposit_months: int = pydantic.Field(default=0, ge=0, le=6)
    connection_priority: bool = False
    outage_notice_days: int = pydantic.Field(default=7, ge=7, le=60)
    watch_actions: list[str] = pydantic.Field(default_factory=list)

    @pydantic.model_validator(mode="before")
    @classmethod
    def _blanks_are_defaults(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            data = dict(data)
            for name, default in _BLANK_DEFAULTS.items():
                if not data.get(name):
                    data[name] = default
        return data

    @pydantic.field_validator("grade")
    @classmethod
    def _known_grade(cls, value: str) -> str:
        if value not in Grade.values:
            raise ValueError(_("Unknown grade."))
        return value

    @pydantic.field_validator("segment")
    @classmethod
    def _known_segment(cls, value: str) -> str:
        if value and value not in Segment.values:
            raise ValueError(_("Unknown segment."))
        return value

    @pydantic.field_validator("deposit")
    @classmethod
    def _known_deposit(cls, value: str) -> str:
        if value not in Deposit.values:
            raise ValueError(_("Unknown kind of deposit."))
        return value

    @pydantic.field_validator("watch_actions")
    @classmethod
    def _known_actions(cls, value: list[str]) -> list[str]:
        # Unknown actions are dropped, as the page always did (old versions' names).
        return [a for a in value if a in WATCH_ACTIONS]

    @pydantic.model_validator(mode="after")
    def _no_grace_without_eligibility(self) -> PolicyRow:
        if not self.grace_eligible:
            self.grace_max_days = 0
        return self

    def as_rule(self) -> dict[str, Any]:
        """The row as stored: ``grade``, ``segment`` and ``POLICY_FIELDS``."""
        return self.model_dump()


def policy_rows_check(rules: Sequence[Mapping[str, Any]]) -> list[PolicyRow]:
    """Every row valid (``credit.policy_invalid``, by row and field), one row per grade
    and segment (``credit.policy_duplicate``) and a row for all segments for every grade
    (``credit.policy_grade_missing``)."""
    rows = rows_validate(PolicyRow, rules, code="credit.policy_invalid")
    keys = [(r.grade, r.segment) for r in rows]
    if len(set(keys)) != len(keys):
        raise CreditInvalid(
            _("Each grade and segment may have one row only."), code="credit.policy_duplicate"
        )
    missing = [g for g in Grade.values if (g, "") not in keys]
    if missing:
        raise CreditInvalid(
            _("Every grade needs a row for all segments; missing: %(grades)s")
            % {"grades": ", ".join(missing)},
            code="credit.policy_grade_missing",
        )
    return rows


@transaction.atomic
def policy_publish(
    *, rules: Sequence[Mapping[str, Any]], note: str, acting_user: User | None
) -> PolicyVersion:
    """Publish a new version of the credit policies: every grade needs a row for all
    segments (segment blank); a segment's own row overrides it. Validated whole
    (``policy_rows_check``); the number is taken safely under concurrency."""
    if acting_user is not None and not acting_user.has_perm("credit.manage_credit_policy"):
        raise CreditRefused(_("You may not edit credit policies."), code="credit.not_allowed")
    rows = policy_rows_check(rules)

    def fill(version: PolicyVersion) -> None:
        PolicyRule.objects.bulk_create([PolicyRule(version=version, **r.as_rule()) for r in rows])

    version = version_publish(
        PolicyVersion, acting_user=acting_user, fill=fill, note=note[:300] or "—"
    )
    audit.policy_published(version=version, acting_user=acting_user)
    return version
