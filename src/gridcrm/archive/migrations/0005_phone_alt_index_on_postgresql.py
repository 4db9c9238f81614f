"""A partial index on the second phone, on PostgreSQL only.

``customer_search`` looks a mobile number up in ``phone OR phone_alt``; without an index
on ``phone_alt`` the OR scans the whole table. Most customers have no second phone, so
the index holds only those that do.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS archive_customer_phone_alt ON archive_customer (phone_alt)"
        " WHERE phone_alt <> ''"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS archive_customer_phone_alt")


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_bigram_search_indexes_on_postgresql")]

    operations = [migrations.RunPython(create, drop)]
