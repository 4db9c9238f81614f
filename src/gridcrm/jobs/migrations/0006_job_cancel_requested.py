from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0005_kinds_declared_by_apps"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="cancel_requested",
            field=models.BooleanField(default=False, verbose_name="cancel requested"),
        ),
    ]
