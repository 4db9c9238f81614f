"""The service app's audit rows become ``core.audit.AuditEvent`` rows (``actor`` renamed
``acting_user``, data kept; ``details``), a ``ServiceEvent`` table records what is done to
the matrix, notices and grace, and ``MatrixVersion`` becomes a ``PublishedVersion`` (its
number unique by a named constraint; its published_at/published_by columns kept)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0012_null_keys_not_indexed"),
        ("service", "0006_stations_followed_in_python_not_by_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ServiceEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
                ),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("matrix_published", "Service matrix published"),
                            ("notice_created", "Notice written"),
                            ("notice_published", "Notice published"),
                            ("notice_withdrawn", "Notice withdrawn"),
                            ("grace_requested", "Grace requested"),
                            ("grace_approved", "Grace approved"),
                            ("grace_rejected", "Grace rejected"),
                        ],
                        max_length=40,
                        verbose_name="what",
                    ),
                ),
            ],
            options={
                "verbose_name": "service audit event",
                "verbose_name_plural": "service audit events",
                "ordering": ["-at", "-pk"],
                "abstract": False,
            },
        ),
        # The acting person keeps its column's data under the name every audit table uses.
        migrations.RenameField(
            model_name="requestevent",
            old_name="actor",
            new_name="acting_user",
        ),
        migrations.AlterField(
            model_name="requestevent",
            name="acting_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="requestevent",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AlterField(
            model_name="matrixversion",
            name="note",
            field=models.CharField(blank=True, max_length=300, verbose_name="note"),
        ),
        migrations.AlterField(
            model_name="matrixversion",
            name="number",
            field=models.PositiveIntegerField(verbose_name="version"),
        ),
        migrations.AlterField(
            model_name="matrixversion",
            name="published_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="published"),
        ),
        migrations.AlterField(
            model_name="matrixversion",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="published by",
            ),
        ),
        migrations.AlterField(
            model_name="requestevent",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
        ),
        migrations.AlterField(
            model_name="requestevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("taken", "Taken"),
                    ("released", "Released"),
                    ("step_done", "Step done"),
                    ("note", "Note"),
                    ("attachment", "Attachment"),
                    ("warned", "Time limit near"),
                    ("breached", "Time limit passed"),
                    ("escalated", "Escalated"),
                    ("closed", "Closed"),
                    ("cancelled", "Cancelled"),
                ],
                max_length=40,
                verbose_name="what",
            ),
        ),
        migrations.AddConstraint(
            model_name="matrixversion",
            constraint=models.UniqueConstraint(
                fields=("number",), name="matrix_version_number_unique"
            ),
        ),
        migrations.AddField(
            model_name="serviceevent",
            name="acting_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="serviceevent",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="archive.customer",
            ),
        ),
        migrations.AddField(
            model_name="serviceevent",
            name="grace",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="service.gracerequest",
            ),
        ),
        migrations.AddField(
            model_name="serviceevent",
            name="matrix_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="service.matrixversion",
            ),
        ),
        migrations.AddField(
            model_name="serviceevent",
            name="notice",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="service.notice",
            ),
        ),
        migrations.AddIndex(
            model_name="serviceevent",
            index=models.Index(fields=["customer", "at"], name="svc_audit_customer"),
        ),
    ]
