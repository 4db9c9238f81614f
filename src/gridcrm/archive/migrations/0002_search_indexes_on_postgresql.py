"""Trigram indexes for searching names and addresses by any part, on PostgreSQL only.

(Account-number prefixes need no index of their own: Django gives a unique CharField
a ``varchar_pattern_ops`` twin on PostgreSQL.)

SQLite has no trigram index; its LIKE scan stays usable at demo sizes. The
indexes are made here rather than in Meta.indexes because they must not exist
on SQLite.
"""

from django.db import migrations

INDEXES = [
    ("archive_customer_name_trgm", "name"),
    ("archive_customer_address_trgm", "address"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON archive_customer "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
