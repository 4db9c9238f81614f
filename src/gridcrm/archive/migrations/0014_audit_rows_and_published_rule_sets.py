"""The archive's audit rows derive from ``core.audit.AuditEvent`` and its rule sets from
``core.versioning.PublishedVersion``; every row is kept.

- ``DisclosureEvent``: ``actor`` is renamed ``acting_user`` and ``channel`` ``kind`` (the
  channel is what tells disclosures apart); ``details`` is added.
- ``ArchiveEvent``: new, for change requests, rule sets, credit lists
  and extension fields.
- ``RuleSetVersion``: already had ``published_at``/``published_by``; the number is unique
  through a named constraint, the publisher may be empty (the system) and so may the note.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0013_field_change_audit_row"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # -- DisclosureEvent → AuditEvent
        migrations.RenameField("disclosureevent", "actor", "acting_user"),
        migrations.AlterField(
            model_name="disclosureevent",
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
        migrations.RenameField("disclosureevent", "channel", "kind"),
        migrations.AlterField(
            model_name="disclosureevent",
            name="kind",
            field=models.CharField(
                choices=[("web", "Web"), ("api", "API"), ("export", "Export")],
                max_length=40,
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="disclosureevent",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
        ),
        migrations.AddField(
            model_name="disclosureevent",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AddIndex(
            model_name="disclosureevent",
            index=models.Index(fields=["at"], name="disclosure_at"),
        ),
        migrations.AlterModelOptions(
            name="disclosureevent",
            options={
                "abstract": False,
                "ordering": ["-at", "-pk"],
                "verbose_name": "disclosure of personal data",
                "verbose_name_plural": "disclosures of personal data",
            },
        ),
        # -- ArchiveEvent
        migrations.CreateModel(
            name="ArchiveEvent",
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
                            ("change_requested", "Change requested"),
                            ("change_approved", "Change approved"),
                            ("change_rejected", "Change rejected"),
                            ("rule_set_published", "Mapping rules published"),
                            ("credit_list_imported", "Credit list imported"),
                            ("custom_field_added", "Extension field declared"),
                            ("custom_field_changed", "Extension field changed"),
                        ],
                        max_length=40,
                        verbose_name="what",
                    ),
                ),
                (
                    "acting_user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="archive_events",
                        to="archive.customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "archive event",
                "verbose_name_plural": "archive events",
                "ordering": ["-at", "-pk"],
                "abstract": False,
                "indexes": [
                    models.Index(fields=["customer", "at"], name="archive_event_customer_at")
                ],
            },
        ),
        # -- RuleSetVersion → PublishedVersion (published_at/published_by kept as they are)
        migrations.AlterField(
            model_name="rulesetversion",
            name="number",
            field=models.PositiveIntegerField(verbose_name="version"),
        ),
        migrations.AddConstraint(
            model_name="rulesetversion",
            constraint=models.UniqueConstraint(
                fields=("number",), name="rule_set_version_number_unique"
            ),
        ),
        migrations.AlterField(
            model_name="rulesetversion",
            name="note",
            field=models.CharField(blank=True, max_length=300, verbose_name="note"),
        ),
        migrations.AlterField(
            model_name="rulesetversion",
            name="published_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="published"
            ),
        ),
        migrations.AlterField(
            model_name="rulesetversion",
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
        migrations.AlterModelOptions(
            name="rulesetversion",
            options={
                "abstract": False,
                "ordering": ["-number"],
                "verbose_name": "rule set version",
                "verbose_name_plural": "rule set versions",
            },
        ),
    ]
