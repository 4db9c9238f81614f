"""Grade changes become shared audit rows (``actor`` → ``acting_user``, ``source`` →
``kind``, plus ``details``); a credit audit table for every other change; scorecard and
policy versions become published versions (``created_*`` → ``published_*``). Data kept."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0012_null_keys_not_indexed"),
        ("credit", "0003_history_without_reasons"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Grade changes: the shared audit row.
        migrations.RenameField(model_name="gradechange", old_name="actor", new_name="acting_user"),
        migrations.AlterField(
            model_name="gradechange",
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
        migrations.RenameField(model_name="gradechange", old_name="source", new_name="kind"),
        migrations.AlterField(
            model_name="gradechange",
            name="kind",
            field=models.CharField(
                choices=[
                    ("batch", "Rating batch"),
                    ("override", "Approved override"),
                    ("review", "Human review"),
                ],
                max_length=40,
                verbose_name="source",
            ),
        ),
        migrations.AddField(
            model_name="gradechange",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AlterField(
            model_name="gradechange",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
        ),
        # Scorecard versions: published versions, numbered per kind.
        migrations.RenameField(
            model_name="scorecardversion", old_name="created_at", new_name="published_at"
        ),
        migrations.AlterField(
            model_name="scorecardversion",
            name="published_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="published"
            ),
        ),
        migrations.RenameField(
            model_name="scorecardversion", old_name="created_by", new_name="published_by"
        ),
        migrations.AlterField(
            model_name="scorecardversion",
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
            model_name="scorecardversion",
            name="note",
            field=models.CharField(blank=True, max_length=300, verbose_name="note"),
        ),
        # Policy versions: published versions.
        migrations.AlterField(
            model_name="policyversion",
            name="note",
            field=models.CharField(blank=True, max_length=300, verbose_name="note"),
        ),
        migrations.AlterField(
            model_name="policyversion",
            name="number",
            field=models.PositiveIntegerField(verbose_name="version"),
        ),
        migrations.AddConstraint(
            model_name="policyversion",
            constraint=models.UniqueConstraint(fields=("number",), name="credit_policy_version"),
        ),
        migrations.AlterField(
            model_name="policyversion",
            name="published_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="published"
            ),
        ),
        migrations.AlterField(
            model_name="policyversion",
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
        # Every other change of credit data.
        migrations.CreateModel(
            name="CreditAuditEvent",
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
                            ("event_recorded", "Credit event recorded"),
                            ("hazard_rectified", "Hazard rectified"),
                            ("override_requested", "Grade override requested"),
                            ("override_approved", "Grade override approved"),
                            ("override_rejected", "Grade override rejected"),
                            ("review_submitted", "Credit review requested"),
                            ("review_answered", "Credit review answered"),
                            ("policy_published", "Credit policies published"),
                            ("scorecard_published", "Scorecard published"),
                            ("segment_model_set", "Model of a segment chosen"),
                            ("batch_started", "Rating batch started"),
                            ("batch_run", "Rating batch run"),
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
                        related_name="credit_audit_events",
                        to="archive.customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "credit audit event",
                "verbose_name_plural": "credit audit events",
                "ordering": ["-at", "-pk"],
                "abstract": False,
                "indexes": [
                    models.Index(fields=["customer", "at"], name="credit_audit_customer_at")
                ],
            },
        ),
    ]
