"""Two-character searches through a stored bigram column instead of an SQL function.

Migration 0004 indexed ``gridcrm_bigrams(name)`` and ``gridcrm_bigrams(address)``:
PostgreSQL evaluated that SQL function (which it cannot inline) for every row written
and for every row of an index build — more than half of what a bulk import cost the
database. Now ``Customer.search_bigrams`` holds the bigrams of both, computed in Python
(``archive.bigrams``) wherever a name or an address is written, under one plain GIN
index on PostgreSQL.

The function indexes and the function go first, so that filling in the column does not
maintain them; then every customer's bigrams are filled in, in batches (re-runnable: it
recomputes them); then the GIN index is built once over the filled column.
"""

import importlib

from django.db import migrations

import gridcrm.archive.models

INDEXES = [("archive_customer_search_bigrams", "search_bigrams")]
BATCH = 20_000


def _function_indexes():
    return importlib.import_module("gridcrm.archive.migrations.0004_bigram_search_indexes_on_postgresql")


def drop_function_indexes(apps, schema_editor):
    _function_indexes().drop(apps, schema_editor)


def restore_function_indexes(apps, schema_editor):
    _function_indexes().create(apps, schema_editor)


def backfill(apps, schema_editor):
    # The archive's own definition, not a frozen copy: the stored keys must be the ones
    # today's search looks for.
    from gridcrm.archive.bigrams import pg_array_literal, search_bigrams

    customer_model = apps.get_model("archive", "Customer")
    connection = schema_editor.connection
    customers = customer_model.objects.using(connection.alias)
    last = 0
    while True:
        rows = list(
            customers.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "name", "address")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        if connection.vendor == "postgresql":
            # Arrays of differing lengths cannot be one parameter: each goes as its literal.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE archive_customer AS c SET search_bigrams = v.keys::text[]"
                    " FROM unnest(%s::bigint[], %s::text[]) AS v(id, keys) WHERE c.id = v.id",
                    [
                        [pk for pk, _name, _address in rows],
                        [pg_array_literal(search_bigrams(name, address)) for _pk, name, address in rows],
                    ],
                )
        else:
            customers.bulk_update(
                [
                    customer_model(pk=pk, search_bigrams=search_bigrams(name, address))
                    for pk, name, address in rows
                ],
                ["search_bigrams"],
                batch_size=500,
            )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON archive_customer USING gin ({column})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0006_name_needs_no_btree_index")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="search_bigrams",
            field=gridcrm.archive.models.SearchKeysField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(drop_function_indexes, restore_function_indexes),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create, drop),
    ]
