"""Absolute file paths of lake imports become names relative to GRIDCRM_VAR (or the
lake), so that a copy of the state in another folder serves its own files."""

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
    LakeImport = apps.get_model("lake", "LakeImport")
    for row in LakeImport.objects.only("stored_path", "reject_file"):
        row.stored_path = _relative(row.stored_path)
        row.reject_file = _relative(row.reject_file)
        row.save(update_fields=["stored_path", "reject_file"])


class Migration(migrations.Migration):
    dependencies = [("lake", "0002_lake_import_error_code_and_expiry")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
