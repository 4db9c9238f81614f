"""A job's author cancels it: a queued job ends at once; others' and finished jobs not."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.jobs.models import Job, JobStatus
from gridcrm.jobs.services import job_start
from gridcrm.users.models import User
from gridcrm.users.services import api_token_issue

pytestmark = pytest.mark.django_db


def _cancel(user: User, job: Job) -> tuple[int, dict[str, object]]:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/jobs/{job.pk}/cancel",
        headers={"Authorization": f"Bearer {api_token_issue(user=user, name='ops')}"},
    )
    return response.status_code, response.json()


def test_the_author_cancels_a_queued_job_which_then_never_runs(archivist: User) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)

    status, body = _cancel(archivist, job)

    job.refresh_from_db()
    assert status == 200
    assert body["status"] == JobStatus.FAILED
    assert job.cancel_requested
    assert job.finished_at is not None


def test_a_running_job_is_asked_to_stop_and_keeps_running_until_it_looks(
    archivist: User,
) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    status, body = _cancel(archivist, job)

    assert (status, body["status"]) == (200, JobStatus.RUNNING)
    assert Job.objects.get(pk=job.pk).cancel_requested


def test_another_users_job_is_not_found(archivist: User, agent: User) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)

    status, body = _cancel(agent, job)

    assert status == 404
    assert not Job.objects.get(pk=job.pk).cancel_requested


def test_a_finished_job_cannot_be_cancelled(archivist: User) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)

    status, body = _cancel(archivist, job)

    assert (status, body["code"]) == (409, "jobs.finished")


def test_the_job_page_offers_its_author_a_cancel_button_that_stops_the_job(
    archivist: User, agent: User
) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    page = Client()
    page.force_login(archivist)

    before = page.get(f"/jobs/{job.pk}/").content.decode()
    after = page.post(f"/jobs/{job.pk}/cancel/", follow=True).content.decode()

    assert 'data-testid="job-cancel"' in before
    assert 'data-testid="job-cancelling"' in after
    assert 'data-testid="job-cancel"' not in after
    assert Job.objects.get(pk=job.pk).cancel_requested


def test_nobody_else_can_cancel_from_the_page_and_a_get_cancels_nothing(
    archivist: User, agent: User
) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)
    author = Client()
    author.force_login(archivist)
    other = Client()
    other.force_login(agent)

    assert author.get(f"/jobs/{job.pk}/cancel/").status_code == 405
    assert other.post(f"/jobs/{job.pk}/cancel/").status_code == 404
    assert not Job.objects.get(pk=job.pk).cancel_requested
