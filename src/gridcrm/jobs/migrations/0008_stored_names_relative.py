"""Absolute file paths in job rows become names relative to GRIDCRM_VAR (or the lake),
so that a copy of the state in another folder serves its own files."""

from typing import Any

from django.db import migrations

from gridcrm.core.files import stored_name


def _relative(path: str) -> str:
    if not path.startswith("/"):
        return path
    try:
        return stored_name(path)
    except ValueError:
        return path  # outside both roots: left as it was, served no more


def forwards(apps: Any, schema_editor: Any) -> None:
    Job = apps.get_model("jobs", "Job")
    for job in Job.objects.exclude(result_file="").only("result_file"):
        job.result_file = _relative(job.result_file)
        job.save(update_fields=["result_file"])
    for job in Job.objects.filter(kind="import_customers").only("params"):
        path = job.params.get("path")
        if isinstance(path, str):
            job.params["path"] = _relative(path)
            job.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [("jobs", "0007_job_lease")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
