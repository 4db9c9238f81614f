"""Put back into their queue the open requests held by someone who does not own their
current step.

Until the hand-off was fixed, completing a step left the request with the person who
completed it whenever they were merely allowed to complete the next step too (an agent
on a fault repair's field steps): the next step's owners saw it taken and could not take
it. Each such request is released, with a "released" event on its timeline. Batched and
re-runnable: a second run finds nothing to release.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef
from django.utils import timezone

BATCH = 500


def release_misheld(apps, schema_editor):  # type: ignore[no-untyped-def]
    ServiceRequest = apps.get_model("service", "ServiceRequest")
    RequestEvent = apps.get_model("service", "RequestEvent")
    Group = apps.get_model("auth", "Group")
    owns = Group.objects.filter(user=OuterRef("assignee"), name=OuterRef("current_role"))
    misheld = (
        ServiceRequest.objects.filter(status="open", assignee__isnull=False)
        .exclude(current_role="")
        .exclude(Exists(owns))
        .order_by("pk")
    )
    now = timezone.now()
    while True:
        rows = list(misheld.values("pk", "customer_id", "version")[:BATCH])
        if not rows:
            return
        for row in rows:
            ServiceRequest.objects.filter(pk=row["pk"]).update(
                assignee=None, version=row["version"] + 1
            )
        RequestEvent.objects.bulk_create(
            RequestEvent(
                kind="released",
                request_id=row["pk"],
                customer_id=row["customer_id"],
                at=now,
                details={"reason": "step_owner_handoff"},
            )
            for row in rows
        )


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0012_hazard_notices_and_inspector_role"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(release_misheld, migrations.RunPython.noop)]
