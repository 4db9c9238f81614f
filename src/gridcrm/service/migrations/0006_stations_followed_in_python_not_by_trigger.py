"""Drop the trigger (and its function) that migration 0005 once put on the archive's
customer table: open requests now follow their customer's station in Python
(``gridcrm.service.stations``). Databases that never had the trigger are unchanged.

Whose table it was is asked of the archive's model, not written here.
"""

from django.db import migrations

_NAME = "service_request_follow_station"


def drop_trigger(apps, schema_editor):
    table = schema_editor.quote_name(apps.get_model("archive", "Customer")._meta.db_table)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {_NAME}()")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_initial"),
        ("service", "0005_open_requests_follow_the_customers_station"),
    ]

    operations = [migrations.RunPython(drop_trigger, migrations.RunPython.noop)]
