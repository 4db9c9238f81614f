"""Template filters of the key-account pages."""

from __future__ import annotations

from typing import Any

from django import template

from gridcrm.users.roles import Role

register = template.Library()


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


@register.filter
def evidence_text(evidence: dict[str, Any]) -> str:
    """A latent need's evidence on one line: ``key=value``, lists joined."""
    return " ".join(f"{k}={_value(v)}" for k, v in (evidence or {}).items())


@register.filter
def role_label(value: str) -> str:
    """The name of a role (the department a request's current step is with)."""
    try:
        return str(Role(value).label)
    except ValueError:
        return value
