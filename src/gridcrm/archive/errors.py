"""Errors of the archive's services, each one of the four kinds of ``core.errors`` with a
stable ``code`` (``archive.…``) and a message fit to show the person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gridcrm.core.errors import Conflict, Invalid, Refused

__all__ = [
    "AccountNoTakenMeanwhile",
    "ChangeRequestDecided",
    "CreditListUnreadable",
    "InvalidFields",
    "MissingTier1",
    "NotPermitted",
    "Tier1Locked",
    "VersionConflict",
]


class NotPermitted(Refused):
    """The person's role may not do this (``code`` names what: ``archive.may_not_…``)."""

    code = "archive.not_permitted"


class Tier1Locked(Refused):
    """Tier-1 data changes only through an approved change request."""

    code = "archive.tier1_locked"

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__(
            _(
                "%(fields)s can only be changed through a change request"
                " approved by an archive officer."
            )
            % {"fields": "、".join(labels)}
        )


class MissingTier1(Conflict):
    """A business action needs tier-1 fields that are empty."""

    code = "archive.missing_tier1"

    def __init__(self, action: str, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        super().__init__(
            _("%(action)s needs these tier-1 fields, which are missing: %(fields)s.")
            % {"action": action, "fields": "、".join(labels)}
        )


class VersionConflict(Conflict):
    """Someone else saved the customer after this edit began."""

    code = "archive.version_conflict"

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved this customer while you were editing. Their values are kept;"
                " reload the page and make your change again."
            )
        )


class ChangeRequestDecided(Conflict):
    """The change request was approved or rejected already."""

    code = "archive.change_request_decided"

    def __init__(self) -> None:
        super().__init__(_("This change request has already been decided."))


class AccountNoTakenMeanwhile(Conflict):
    """The account number a change request asks for was given to another customer
    after the request was made; the request is refused."""

    code = "archive.account_no_taken"

    def __init__(self) -> None:
        super().__init__(
            _(
                "Another customer has had this account number since the change was requested;"
                " the request is refused."
            ),
            fields={"account_no": _("This account number already exists.")},
        )


class InvalidFields(Invalid):
    """Values that fail validation; ``fields`` maps each field name to why."""

    code = "archive.invalid_fields"

    def __init__(self, fields: Mapping[str, str | Promise], *, code: str | None = None) -> None:
        super().__init__(code=code, fields=fields)


class CreditListUnreadable(Invalid):
    """The file cannot be read as a credit list; nothing was written."""

    code = "archive.credit_list_unreadable"
