"""API tokens expire. Tokens issued before get 90 days from the upgrade, so that an
integration keeps working while its operator issues a new token."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def _expire_old_tokens(apps, schema_editor):  # type: ignore[no-untyped-def]
    ApiToken = apps.get_model("users", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=90)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_user_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires at"),
        ),
        migrations.RunPython(_expire_old_tokens, migrations.RunPython.noop),
    ]
