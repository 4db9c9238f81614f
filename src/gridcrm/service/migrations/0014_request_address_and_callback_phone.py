import django.core.validators

import gridcrm.core.sealing
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0013_release_requests_held_past_their_step"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="address",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="fault or site address"
            ),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="callback_phone",
            field=gridcrm.core.sealing.SealedCharField(
                blank=True,
                max_length=20,
                validators=[
                    django.core.validators.RegexValidator(
                        "^(1[3-9]\\d{9}|0\\d{2,3}-?\\d{7,8})$",
                        "Enter a mobile number (11 digits) or a landline with area code.",
                        code="phone",
                    )
                ],
                verbose_name="callback number",
            ),
        ),
    ]
