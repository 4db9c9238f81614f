"""A task worker killed (SIGKILL) in the middle of a customer import, a lake import and a
credit batch: after a restart nothing is half-written, the job shows as interrupted,
and running it again gives what an uninterrupted run gives.

Each test runs a real worker process on its own copy of a small demo installation
(file-based SQLite), makes it pause at a chosen point (``gridcrm.core.faults``), kills
it there, and starts a new worker as an operator would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.installation import Installation, kill, stop, wait_for_file

FINISHED = ("succeeded", "failed", "interrupted")


def _run_through(installation: Installation, job_id: int) -> dict[str, Any]:
    """Start a worker, wait for the job to end, stop the worker; the job's status."""
    worker = installation.worker()
    try:
        return installation.wait_for_job(job_id, *FINISHED)
    finally:
        stop(worker)


def _killed_at(installation: Installation, job_id: int, point: str, tmp: Path) -> None:
    """Run a worker that pauses at ``point``, and kill it there."""
    marker = tmp / f"paused-{job_id}"
    worker = installation.worker(GRIDCRM_PAUSE_AT=point, GRIDCRM_PAUSE_FILE=str(marker))
    try:
        wait_for_file(marker, worker)
    finally:
        kill(worker)


def _restart(installation: Installation, job_id: int) -> dict[str, Any]:
    """Start a new worker, as an operator would after a crash; the old job's status."""
    worker = installation.worker()
    try:
        return installation.wait_for_job(job_id, *FINISHED)
    finally:
        stop(worker)


def _reference(demo: Installation, tmp: Path, kind: str, *args: str) -> dict[str, Any]:
    """The state after the same job run without interruption on another copy."""
    reference = demo.copy_to(tmp / "reference")
    job_id = reference.probe("start", kind, *args)
    assert _run_through(reference, job_id)["status"] == "succeeded"
    state: dict[str, Any] = reference.probe("state")
    return state


def test_a_customer_import_killed_mid_batch_keeps_whole_batches_and_reruns_to_the_same(
    demo_installation: Installation, tmp_path: Path
) -> None:
    installation = demo_installation.copy_to(tmp_path / "var")
    rows = 25
    csv = tmp_path / "customers.csv"
    installation.probe("write", "customers", str(csv), str(rows))
    before = {c[0] for c in installation.probe("state")["customers"]}
    job_id = installation.probe("start", "import_customers", str(csv))

    # Batches of 10 rows: killed inside the second batch's transaction.
    installation.extra_env["GRIDCRM_IMPORT_BATCH_ROWS"] = "10"
    _killed_at(installation, job_id, "archive.import.batch#2", tmp_path)
    added = [c for c in installation.probe("state")["customers"] if c[0] not in before]
    assert len(added) == 10  # the first batch whole, nothing of the second

    assert _restart(installation, job_id)["status"] == "interrupted"
    again = installation.probe("rerun", str(job_id))
    assert _run_through(installation, again)["status"] == "succeeded"

    expected = _reference(demo_installation, tmp_path, "import_customers", str(csv))
    assert installation.probe("state")["customers"] == expected["customers"]


def test_a_lake_import_killed_while_publishing_is_taken_back_and_reruns_to_the_same(
    demo_installation: Installation, tmp_path: Path
) -> None:
    installation = demo_installation.copy_to(tmp_path / "var")
    csv = tmp_path / "readings.csv"
    installation.probe("write", "readings", str(csv))
    before = installation.probe("state")
    job_id = installation.probe("start", "lake_import", str(csv))

    _killed_at(installation, job_id, "lake.publish", tmp_path)
    # Killed between two renames: one month of the import is live, the rest staged.
    cut_off = installation.probe("state")
    assert len(cut_off["lake"]) == len(before["lake"]) + 1
    assert cut_off["staging"]

    assert _restart(installation, job_id)["status"] == "interrupted"
    after_restart = installation.probe("state")
    assert after_restart["lake_rows"] == before["lake_rows"]
    assert after_restart["lake"] == before["lake"]
    assert after_restart["staging"] == []

    again = installation.probe("rerun", str(job_id))
    assert _run_through(installation, again)["status"] == "succeeded"
    expected = _reference(demo_installation, tmp_path, "lake_import", str(csv))
    final = installation.probe("state")
    assert final["lake_rows"] == expected["lake_rows"]
    assert final["lake_imports"] == expected["lake_imports"]


def test_a_credit_batch_killed_before_its_commit_leaves_the_old_grades_and_reruns_to_the_same(
    demo_installation: Installation, tmp_path: Path
) -> None:
    installation = demo_installation.copy_to(tmp_path / "var")
    before = installation.probe("state")
    job_id = installation.probe("start", "credit_rating")

    _killed_at(installation, job_id, "credit.store", tmp_path)

    assert _restart(installation, job_id)["status"] == "interrupted"
    after_restart = installation.probe("state")
    assert after_restart["grades"] == before["grades"]  # the old set, whole
    assert after_restart["credit_runs"] == before["credit_runs"]  # no run without grades

    again = installation.probe("rerun", str(job_id))
    assert _run_through(installation, again)["status"] == "succeeded"
    expected = _reference(demo_installation, tmp_path, "credit_rating")
    final = installation.probe("state")
    assert final["grades"] == expected["grades"]
    assert final["grades"] != before["grades"]  # the new set, whole
    assert final["credit_runs"] == expected["credit_runs"]
