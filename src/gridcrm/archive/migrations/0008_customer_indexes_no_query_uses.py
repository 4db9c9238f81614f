"""Customer indexes that no query uses, dropped: each one costs every import and write.

- ``account_no`` and ``phone_last4`` had, on PostgreSQL, Django's ``varchar_pattern_ops``
  twins (made for ``unique=True`` and ``db_index=True``). Account-number prefixes are
  ranges on the plain b-tree (``selectors._account_prefix_q``) and the last four digits
  are compared whole, so the twins served nothing. The unique key is now a
  ``UniqueConstraint`` and ``phone_last4`` a ``Meta.indexes`` entry, neither of which
  gets a twin.
- ``region`` had a b-tree of its own; the two composite indexes (region, segment) and
  (region, completeness) start with it and serve every lookup by region.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0007_search_bigrams_column'),
        ('users', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='customer',
            name='account_no',
            field=models.CharField(max_length=10, validators=[django.core.validators.RegexValidator('^\\d{10}$', 'An account number is exactly ten digits.', code='account_no')], verbose_name='account number'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='phone_last4',
            field=models.CharField(blank=True, editable=False, max_length=4),
        ),
        migrations.AlterField(
            model_name='customer',
            name='region',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='users.region', verbose_name='supply station'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['phone_last4'], name='customer_phone_last4'),
        ),
        migrations.AddConstraint(
            model_name='customer',
            constraint=models.UniqueConstraint(fields=('account_no',), name='customer_account_no_unique'),
        ),
    ]
