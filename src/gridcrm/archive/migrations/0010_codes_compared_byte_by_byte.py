"""Account numbers, phones and segments compared byte by byte on PostgreSQL
(``COLLATE "C"``, ``models.CodeField``).

Their order is the same in every collation (digits, a dash, ASCII codes), and their
b-tree indexes were the largest part of what keeping them up cost a bulk import: each
insertion compares a key with some twenty others, through the locale's comparison.
Changing a column's collation rebuilds its indexes, not the table. SQLite is unchanged.
"""

import django.core.validators
import gridcrm.archive.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0009_history_customer_index_and_search_keys_collation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='customer',
            name='account_no',
            field=gridcrm.archive.models.CodeField(max_length=10, validators=[django.core.validators.RegexValidator('^\\d{10}$', 'An account number is exactly ten digits.', code='account_no')], verbose_name='account number'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='phone',
            field=gridcrm.archive.models.CodeField(blank=True, max_length=20, validators=[django.core.validators.RegexValidator('^(1[3-9]\\d{9}|0\\d{2,3}-?\\d{7,8})$', 'Enter a mobile number (11 digits) or a landline with area code.', code='phone')], verbose_name='contact phone'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='phone_alt',
            field=gridcrm.archive.models.CodeField(blank=True, max_length=20, validators=[django.core.validators.RegexValidator('^(1[3-9]\\d{9}|0\\d{2,3}-?\\d{7,8})$', 'Enter a mobile number (11 digits) or a landline with area code.', code='phone')], verbose_name='second phone'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='phone_last4',
            field=gridcrm.archive.models.CodeField(blank=True, editable=False, max_length=4),
        ),
        migrations.AlterField(
            model_name='customer',
            name='segment',
            field=gridcrm.archive.models.CodeField(choices=[('public_utility', 'Public utility'), ('industrial', 'Industrial'), ('commercial', 'Commercial'), ('residential', 'Residential'), ('other', 'Other')], max_length=20, verbose_name='segment'),
        ),
    ]
