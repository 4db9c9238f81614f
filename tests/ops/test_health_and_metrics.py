"""``/healthz`` and ``/metrics`` as a load balancer, Prometheus and the public meet them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from pytest_django.fixtures import Settings

from gridcrm.credit.models import CreditRun
from gridcrm.env import env_networks
from gridcrm.jobs.models import Job, JobStatus, WorkerBeat
from gridcrm.jobs.services import WorkerHeartbeat, job_start, worker_beat
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PUBLIC = "203.0.113.9"
"""An address outside every allowed network (TEST-NET-3)."""


@pytest.fixture
def healthy(settings: Settings, tmp_path: Path) -> None:
    """A lake folder, a worker that has just beaten and a rating batch stored an hour ago."""
    settings.LAKE_URL = str(tmp_path / "lake")
    (tmp_path / "lake").mkdir()
    worker_beat(worker="web1:4242")
    run = CreditRun.objects.create(as_of=dt.date(2026, 12, 6), engine="duckdb", seconds=42.5)
    CreditRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))


@pytest.fixture
def admin(db: None) -> User:
    return make_user("ops_admin", Role.ADMINISTRATOR)


def _bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_issue(user=user, name='prometheus')}"}


# -- /healthz ------------------------------------------------------------------------------


def test_healthz_answers_200_with_every_check_ok_without_a_login(healthy: None) -> None:
    response = Client(REMOTE_ADDR=PUBLIC).get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "lake": "ok",
        "worker": "ok",
        "pipeline": "ok",
    }
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_healthz_answers_503_naming_the_lake_when_its_root_is_missing(
    healthy: None, tmp_path: Path
) -> None:
    with override_settings(LAKE_URL=str(tmp_path / "no-such-lake")):
        response = Client().get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed"
    assert body["checks"]["lake"] == {"status": "failed", "code": "ops.lake_unreadable"}
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_reports_a_silent_worker_and_a_stale_pipeline(healthy: None) -> None:
    long_ago = timezone.now() - dt.timedelta(days=3)
    WorkerBeat.objects.update(seen_at=long_ago)
    CreditRun.objects.update(started_at=long_ago)

    body = Client().get("/healthz").json()

    assert body["checks"]["worker"]["code"] == "ops.worker_silent"
    assert body["checks"]["pipeline"]["code"] == "ops.pipeline_stale"
    # The figures go to an allowed caller (the test client is on loopback).
    assert body["checks"]["worker"]["detail"]["heartbeat_age_seconds"] > 3 * 86400 - 60
    assert body["checks"]["pipeline"]["detail"]["last_run_seconds"] == 42.5


def test_healthz_reports_no_worker_and_no_batch_on_a_fresh_installation(
    settings: Settings, tmp_path: Path
) -> None:
    settings.LAKE_URL = str(tmp_path)

    response = Client().get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"]["code"] == "ops.worker_missing"
    assert checks["pipeline"]["code"] == "ops.pipeline_never_ran"


def test_healthz_shows_the_public_which_check_failed_but_no_figures(healthy: None) -> None:
    WorkerBeat.objects.all().delete()

    body = Client(REMOTE_ADDR=PUBLIC).get("/healthz").json()

    assert body["checks"]["worker"] == {"status": "failed", "code": "ops.worker_missing"}
    assert all("detail" not in check for check in body["checks"].values())


def test_a_load_balancer_asks_for_the_database_alone(settings: Settings) -> None:
    settings.LAKE_URL = "/no/such/lake"  # and no worker, no batch

    response = Client().get("/healthz?check=database")

    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database"]


def test_healthz_is_not_redirected_to_https_nor_walled_from_a_customer(
    healthy: None, settings: Settings
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    customer = Client()
    customer.force_login(make_user("household", Role.CUSTOMER))

    plain_http = Client().get("/healthz")
    from_a_customer = customer.get("/healthz", secure=True)

    assert plain_http.status_code == 200
    assert from_a_customer.status_code == 200
    assert customer.get("/metrics", secure=True).status_code == 404


# -- /metrics ------------------------------------------------------------------------------


def test_metrics_answer_prometheus_text_to_a_scraper_on_loopback(healthy: None) -> None:
    Client().get("/healthz")  # a request for the latency histogram to have seen

    response = Client().get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert "# TYPE django_http_requests_latency_seconds_by_view_method histogram" in text
    assert 'django_http_requests_latency_seconds_by_view_method_bucket{le="0.1"' in text
    assert "# TYPE gridcrm_jobs_queue_depth gauge" in text
    assert 'gridcrm_health_check{check="lake"} 1.0' in text
    assert "gridcrm_workers_alive 1.0" in text
    assert 'gridcrm_pipeline_last_duration_seconds{pipeline="credit_rating"} 42.5' in text


def test_metrics_add_up_the_gunicorn_workers_files_when_shared(
    healthy: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    response = Client().get("/metrics")

    assert response.status_code == 200
    assert 'gridcrm_health_check{check="database"} 1.0' in response.content.decode()


def test_a_queued_job_shows_in_the_queue_depth(healthy: None, archivist: User) -> None:
    before = Client().get("/metrics").content.decode()
    assert 'gridcrm_jobs_queue_depth{kind="lake_pipelines",status="queued"} 0.0' in before

    job_start(kind="lake_pipelines", acting_user=archivist)
    job_start(kind="lake_pipelines", acting_user=archivist)
    running = job_start(kind="purge_files", acting_user=archivist)
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING)

    after = Client().get("/metrics").content.decode()
    assert 'gridcrm_jobs_queue_depth{kind="lake_pipelines",status="queued"} 2.0' in after
    assert 'gridcrm_jobs_queue_depth{kind="purge_files",status="running"} 1.0' in after


def test_a_finished_job_shows_its_duration(healthy: None, archivist: User) -> None:
    job = job_start(kind="lake_pipelines", acting_user=archivist)
    started = timezone.now() - dt.timedelta(minutes=2)
    finished = started + dt.timedelta(seconds=90)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, started_at=started, finished_at=finished
    )

    text = Client().get("/metrics").content.decode()

    assert 'gridcrm_job_last_duration_seconds{kind="lake_pipelines"} 90.0' in text


def test_metrics_are_not_found_by_the_public(healthy: None) -> None:
    response = Client(REMOTE_ADDR=PUBLIC).get("/metrics")

    assert response.status_code == 404
    assert b"gridcrm_" not in response.content


def test_metrics_refuse_the_token_of_a_user_without_the_right(healthy: None, agent: User) -> None:
    response = Client(REMOTE_ADDR=PUBLIC).get("/metrics", headers=_bearer(agent))

    assert response.status_code == 403
    assert b"gridcrm_" not in response.content


def test_metrics_are_not_found_with_a_wrong_token(healthy: None) -> None:
    headers = {"Authorization": "Bearer not-a-token"}

    response = Client(REMOTE_ADDR=PUBLIC).get("/metrics", headers=headers)

    assert response.status_code == 404


def test_metrics_answer_an_administrators_token_from_anywhere(healthy: None, admin: User) -> None:
    response = Client(REMOTE_ADDR=PUBLIC).get("/metrics", headers=_bearer(admin))

    assert response.status_code == 200
    assert b"gridcrm_jobs_queue_depth" in response.content


def test_metrics_answer_an_allowed_network(healthy: None, settings: Settings) -> None:
    settings.METRICS_ALLOWED_NETS = ["10.20.0.0/16"]

    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404


def test_behind_the_proxy_the_public_does_not_pass_for_loopback(
    healthy: None, settings: Settings
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    outside = proxied.get("/metrics", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {PUBLIC}")
    scraper = proxied.get("/metrics")  # straight to gunicorn, no proxy in between

    assert outside.status_code == 404
    assert scraper.status_code == 200


# -- the worker's heartbeat ----------------------------------------------------------------


def test_a_worker_beats_while_it_runs_and_is_forgotten_when_it_stops() -> None:
    with WorkerHeartbeat() as heartbeat:
        assert WorkerBeat.objects.filter(worker=heartbeat.worker).exists()

    assert not WorkerBeat.objects.filter(worker=heartbeat.worker).exists()


# -- the setting ---------------------------------------------------------------------------


def test_a_mistyped_allowed_network_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDCRM_METRICS_ALLOWED_NETS", "10.0.0.0/8, 10.0.0.300")

    with pytest.raises(ImproperlyConfigured, match="GRIDCRM_METRICS_ALLOWED_NETS"):
        env_networks("GRIDCRM_METRICS_ALLOWED_NETS", [])

    monkeypatch.setenv("GRIDCRM_METRICS_ALLOWED_NETS", "10.0.0.0/8, 192.0.2.7, ::1")
    assert env_networks("GRIDCRM_METRICS_ALLOWED_NETS", []) == ["10.0.0.0/8", "192.0.2.7", "::1"]
