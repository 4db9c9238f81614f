"""Reads of jobs: a user sees the jobs they started; administrators see all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from gridcrm.jobs.models import Job

if TYPE_CHECKING:
    from gridcrm.users.models import User


def jobs_visible_to(*, user: User) -> QuerySet[Job]:
    """The jobs this user may watch."""
    if user.is_superuser:
        return Job.objects.all()
    return Job.objects.filter(created_by=user)
