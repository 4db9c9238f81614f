"""The audit row every domain app's event table shares.

Each domain app keeps its own table of events (its rows point at its own things: a
request, a plan, a key account) and writes it only through named, keyword-only
functions in its ``events.py``, called by the service that makes the change, inside the
same transaction. The table derives from ``AuditEvent``: when, who (``acting_user``, empty
for the system), a ``kind`` from the table's own choices, and ``details`` for what the
kind needs beyond its columns.

The customer 360° page gathers every app's events of one customer through the
``TIMELINE_SOURCES`` extension point (``gridcrm.core.extensions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened, who did it and when. Subclasses give ``kind`` choices."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("what"), max_length=40)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a customer's timeline on the 360° page, from any app."""

    at: datetime
    app: str
    kind: str
    title: str | Promise
    text: str = ""
    acting_user: Any = None
    url: str = ""
