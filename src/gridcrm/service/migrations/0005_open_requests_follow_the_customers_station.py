"""An open request's station follows its customer's, by a database trigger.

Regional queues select requests by ``ServiceRequest.region`` (indexed with the queue's
order). When a customer moves to another station, their open requests must move to the
new station's queue, whatever moved them: a change request, an import's bulk update, or
SQL. Only the database sees every one of those writes, so a trigger keeps the copy
current. Closed requests keep the station they were worked at.
"""

from django.db import migrations

_SYNC = (
    "UPDATE service_servicerequest SET region_id = ("
    "SELECT c.region_id FROM archive_customer c WHERE c.id = service_servicerequest.customer_id"
    ") WHERE status = 'open' AND region_id <> ("
    "SELECT c.region_id FROM archive_customer c WHERE c.id = service_servicerequest.customer_id)"
)

_POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION service_request_follow_station() RETURNS trigger AS $$
    BEGIN
        UPDATE service_servicerequest SET region_id = NEW.region_id
        WHERE customer_id = NEW.id AND status = 'open' AND region_id <> NEW.region_id;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER service_request_follow_station
    AFTER UPDATE OF region_id ON archive_customer
    FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id)
    EXECUTE FUNCTION service_request_follow_station()
    """,
]

_SQLITE = [
    """
    CREATE TRIGGER service_request_follow_station
    AFTER UPDATE OF region_id ON archive_customer
    FOR EACH ROW WHEN OLD.region_id IS NOT NEW.region_id
    BEGIN
        UPDATE service_servicerequest SET region_id = NEW.region_id
        WHERE customer_id = NEW.id AND status = 'open' AND region_id <> NEW.region_id;
    END
    """,
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _POSTGRESQL, "sqlite": _SQLITE}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No station trigger for the {vendor} database.")
    schema_editor.execute(_SYNC)
    for sql in statements:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TRIGGER IF EXISTS service_request_follow_station" + (
        " ON archive_customer" if schema_editor.connection.vendor == "postgresql" else ""
    ))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS service_request_follow_station()")


class Migration(migrations.Migration):
    dependencies = [("service", "0004_matrix_rules_by_channel")]

    operations = [migrations.RunPython(create, drop)]
