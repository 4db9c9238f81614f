"""A customer's key-account manager and a history row's change request indexed only where
set. Most customers have no manager and most history rows come from no change request:
every import wrote an index entry of NULL for each, which no query reads."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0011_pending_schema_steps'),
        ('users', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='customer',
            name='account_manager',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='portfolio', to=settings.AUTH_USER_MODEL, verbose_name='key-account manager'),
        ),
        migrations.AlterField(
            model_name='fieldchange',
            name='change_request',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='archive.changerequest'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(condition=models.Q(('account_manager__isnull', False)), fields=['account_manager'], name='customer_account_manager'),
        ),
        migrations.AddIndex(
            model_name='fieldchange',
            index=models.Index(condition=models.Q(('change_request__isnull', False)), fields=['change_request'], name='fieldchange_change_request'),
        ),
    ]
