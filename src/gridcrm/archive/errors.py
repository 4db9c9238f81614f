"""Errors of the archive's services; each carries a message fit to show the user."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _


class ArchiveError(Exception):
    """A business rule refused the operation; ``str(error)`` says why."""


class Tier1Locked(ArchiveError):
    """Tier-1 data changes only through an approved change request."""

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__(
            _(
                "%(fields)s can only be changed through a change request"
                " approved by an archive officer."
            )
            % {"fields": "、".join(labels)}
        )


class MissingTier1(ArchiveError):
    """A business action needs tier-1 fields that are empty."""

    def __init__(self, action: str, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        super().__init__(
            _("%(action)s needs these tier-1 fields, which are missing: %(fields)s.")
            % {"action": action, "fields": "、".join(labels)}
        )


class VersionConflict(ArchiveError):
    """Someone else saved the customer after this edit began."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved this customer while you were editing. Their values are kept;"
                " reload the page and make your change again."
            )
        )


class InvalidFields(ArchiveError):
    """Values that fail validation, by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
