"""The key-account ``Event`` becomes a ``core.audit.AuditEvent``: ``actor`` is renamed
``acting_user`` (the data kept), ``at`` is given by the writer rather than stamped on
insert, ``details`` is added, and the corporate-group change gets its own kind."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("keyaccounts", "0003_fast_channel_notifications_feedback"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="event", old_name="actor", new_name="acting_user"),
        migrations.AlterField(
            model_name="event",
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
        migrations.AlterField(
            model_name="event",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
        ),
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("added", "Added to the roster"),
                    ("nominated", "Nominated"),
                    ("assigned", "Managers assigned"),
                    ("grouped", "Corporate group set"),
                    ("rules_changed", "Roster rules met or tier changed"),
                    ("removed", "Left the roster"),
                    ("visit", "Visit recorded"),
                    ("report", "Needs report sent"),
                    ("stage", "Need moved"),
                    ("latent", "Latent need added"),
                    ("fast", "Fast-channel request filed"),
                    ("feedback", "Feedback call recorded"),
                ],
                max_length=40,
                verbose_name="what",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AlterModelOptions(
            name="event",
            options={
                "ordering": ["-at", "-pk"],
                "verbose_name": "key-account event",
                "verbose_name_plural": "key-account events",
            },
        ),
    ]
