"""Statements a first load must run to make again the indexes and keys it dropped
(``PendingSchemaStep``), kept so that a killed import is repaired by the next one."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0010_codes_compared_byte_by_byte'),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingSchemaStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('statement', models.TextField()),
                ('stage', models.PositiveSmallIntegerField()),
                ('lane', models.PositiveSmallIntegerField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['stage', 'lane', 'pk'],
            },
        ),
    ]
