"""``FieldChange`` becomes an audit row (``core.audit.AuditEvent``): ``actor`` is renamed
``acting_user`` and ``source`` ``kind``, their data kept; ``details`` is added (``{}``)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0012_null_keys_not_indexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="fieldchange", old_name="actor", new_name="acting_user"),
        migrations.RenameField(model_name="fieldchange", old_name="source", new_name="kind"),
        migrations.AlterField(
            model_name="fieldchange",
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
            model_name="fieldchange",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("entered", "Entered"),
                    ("captured", "Captured in contact"),
                    ("imported", "Imported"),
                    ("change_request", "Approved change request"),
                    ("rule", "Mapping rule"),
                    ("derived", "Derived"),
                ],
                max_length=40,
                verbose_name="source",
            ),
        ),
        migrations.AlterField(
            model_name="fieldchange",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
        ),
        migrations.AddField(
            model_name="fieldchange",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
    ]
