"""``{% calendar_warning %}``: the missing-schedule warning, shown to those who can fix it."""

from __future__ import annotations

from typing import Any

from django import template

from gridcrm.service.calendar import calendar_warning as warning_text

register = template.Library()


@register.inclusion_tag("service/_calendar_warning.html", takes_context=True)
def calendar_warning(context: dict[str, Any]) -> dict[str, Any]:
    """The warning for users with ``service.manage_calendar``; nothing for others."""
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and user.has_perm("service.manage_calendar")
    return {"warning": warning_text() if allowed else ""}
