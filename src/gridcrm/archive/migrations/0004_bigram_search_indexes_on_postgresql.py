"""Bigram indexes for two-character searches of names and addresses, on PostgreSQL only.

Trigram indexes (0002) need three characters; a Chinese given name or a street is often
searched by two (建国, 桃北). ``gridcrm_bigrams(text)`` is the distinct two-character
substrings of a text; a GIN index on it answers ``gridcrm_bigrams(name) @> ARRAY['建国']``,
which ``selectors.customer_search`` adds to two-character queries. SQLite keeps its scan.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION gridcrm_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, 2)), '{}')
    FROM generate_series(1, char_length(value) - 1) AS i
$$
"""

INDEXES = [
    ("archive_customer_name_bigram", "name"),
    ("archive_customer_address_bigram", "address"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for index, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON archive_customer "
            f"USING gin (gridcrm_bigrams({column}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    schema_editor.execute("DROP FUNCTION IF EXISTS gridcrm_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("archive", "0003_public_credit_entries")]

    operations = [migrations.RunPython(create, drop)]
