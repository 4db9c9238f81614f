"""Template filters of the key-account pages."""

from __future__ import annotations

from typing import Any

from django import template

from gridcrm.keyaccounts import evidence
from gridcrm.users.roles import Role

register = template.Library()


@register.filter
def evidence_text(value: dict[str, Any]) -> str:
    """A latent need's evidence as sentences (``keyaccounts.evidence``)."""
    return evidence.evidence_text(value)


@register.filter
def role_label(value: str) -> str:
    """The name of a role (the department a request's current step is with)."""
    try:
        return str(Role(value).label)
    except ValueError:
        return value
