"""Phones and certificate numbers sealed at rest, searched through keyed hashes.

``Customer.phone``, ``phone_alt`` and ``certificate_no``, a public credit entry's
``certificate_no``, and the old and new values of history rows and change requests of
those fields were plain text. They become sealed text (``gridcrm.core.sealing``, the
keys of the settings); the plain ``phone_last4`` and the b-tree of ``phone`` give way to
the keyed hashes ``phone_hash``, ``phone_alt_hash``, ``phone_last4_hash`` and
``certificate_hash`` (``gridcrm.archive.personal``), indexed after they are filled.

``seal`` runs in batches by id and is re-runnable: a sealed value is opened and kept,
a plain one sealed. ``unseal`` (the way back) writes the plain values and
``phone_last4`` again, so the migration can be reversed while the keys are known.
"""

import importlib
from types import SimpleNamespace

import django.core.validators
import gridcrm.archive.models
import gridcrm.archive.validators
import gridcrm.core.sealing
from django.conf import settings
from django.db import migrations, models

BATCH = 5_000
CUSTOMER_COLUMNS = ("phone", "phone_alt", "certificate_no")
HASHES = ("phone_hash", "phone_alt_hash", "phone_last4_hash", "certificate_hash")
VALUE_TABLES = ("archive_fieldchange", "archive_changerequest")


def _batches(cursor, sql, params):
    """Rows of ``sql`` (which ends ``id > %s ORDER BY id LIMIT n``) a batch at a time."""
    last = 0
    while True:
        cursor.execute(sql, [*params, last])
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rewrite(schema_editor, *, customer, customer_set, entry, entry_set, value):
    """Every sealed column rewritten by id, a batch at a time, one way or the other.

    ``customer`` maps a customer's (phone, phone_alt, certificate_no) to the values of
    ``customer_set``, ``entry`` a credit entry's certificate number to those of
    ``entry_set``, ``value`` the old or new value of a history row or change request.
    """
    from gridcrm.archive.personal import SEALED_FIELDS

    with schema_editor.connection.cursor() as cursor:
        select = (
            "SELECT id, phone, phone_alt, certificate_no FROM archive_customer"
            f" WHERE id > %s ORDER BY id LIMIT {BATCH}"
        )
        for rows in _batches(cursor, select, []):
            cursor.executemany(
                f"UPDATE archive_customer SET {customer_set} WHERE id = %s",
                [[*customer(values), pk] for pk, *values in rows],
            )
        select = (
            "SELECT id, certificate_no FROM archive_publiccreditentry"
            f" WHERE id > %s ORDER BY id LIMIT {BATCH}"
        )
        for rows in _batches(cursor, select, []):
            cursor.executemany(
                f"UPDATE archive_publiccreditentry SET {entry_set} WHERE id = %s",
                [[*entry(number), pk] for pk, number in rows],
            )
        fields = ", ".join(["%s"] * len(SEALED_FIELDS))
        for table in VALUE_TABLES:
            select = (
                f"SELECT id, old_value, new_value FROM {table} WHERE field IN ({fields})"
                f" AND id > %s ORDER BY id LIMIT {BATCH}"
            )
            for rows in _batches(cursor, select, list(SEALED_FIELDS)):
                cursor.executemany(
                    f"UPDATE {table} SET old_value = %s, new_value = %s WHERE id = %s",
                    [[value(old or ""), value(new or ""), pk] for pk, old, new in rows],
                )


def seal(apps, schema_editor):
    # Today's sealing and hashing, not a frozen copy: the stored values must be the ones
    # today's code opens and searches for.
    from gridcrm.archive.personal import certificate_hash, personal_hashes
    from gridcrm.core.sealing import PREFIX, keyring

    ring = keyring()

    def sealed(value):
        return ring.seal(value) if value and not value.startswith(PREFIX) else value

    def customer(values):
        plain = dict(zip(CUSTOMER_COLUMNS, [ring.unseal(v or "") for v in values]))
        hashes = personal_hashes(SimpleNamespace(**plain))
        return [*(sealed(plain[c]) for c in CUSTOMER_COLUMNS), *(hashes[h] for h in HASHES)]

    def entry(number):
        plain = ring.unseal(number)
        return [sealed(plain), certificate_hash(plain)]

    _rewrite(
        schema_editor,
        customer=customer,
        customer_set="phone = %s, phone_alt = %s, certificate_no = %s, phone_hash = %s,"
        " phone_alt_hash = %s, phone_last4_hash = %s, certificate_hash = %s",
        entry=entry,
        entry_set="certificate_no = %s, certificate_hash = %s",
        value=sealed,
    )


def unseal(apps, schema_editor):
    from gridcrm.core.sealing import keyring

    ring = keyring()

    def customer(values):
        phone, phone_alt, certificate_no = (ring.unseal(v or "") for v in values)
        return [phone, phone_alt, certificate_no, phone[-4:]]

    _rewrite(
        schema_editor,
        customer=customer,
        customer_set="phone = %s, phone_alt = %s, certificate_no = %s, phone_last4 = %s",
        entry=lambda number: [ring.unseal(number)],
        entry_set="certificate_no = %s",
        value=ring.unseal,
    )


def _phone_alt_index():
    return importlib.import_module("gridcrm.archive.migrations.0005_phone_alt_index_on_postgresql")


def _phone_alt_index_drop(apps, schema_editor):
    _phone_alt_index().drop(apps, schema_editor)


def _phone_alt_index_create(apps, schema_editor):
    _phone_alt_index().create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0014_audit_rows_and_published_rule_sets"),
        ("users", "0003_token_expiry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The plain second phone's partial index (0005) would index sealed text.
        migrations.RunPython(_phone_alt_index_drop, _phone_alt_index_create),
        migrations.RemoveConstraint(
            model_name="publiccreditentry",
            name="credit_entry_unique_per_list",
        ),
        migrations.RemoveIndex(
            model_name="customer",
            name="archive_cus_phone_dd9c97_idx",
        ),
        migrations.AddField(
            model_name="customer",
            name="certificate_hash",
            field=gridcrm.archive.models.CodeField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="customer",
            name="phone_alt_hash",
            field=gridcrm.archive.models.CodeField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="customer",
            name="phone_hash",
            field=gridcrm.archive.models.CodeField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="customer",
            name="phone_last4_hash",
            field=gridcrm.archive.models.CodeField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="publiccreditentry",
            name="certificate_hash",
            field=gridcrm.archive.models.CodeField(
                db_index=True, default="", editable=False, max_length=32
            ),
        ),
        migrations.AlterField(
            model_name="changerequest",
            name="new_value",
            field=gridcrm.core.sealing.SealedWhenTextField(
                sealed=("certificate_no", "phone", "phone_alt"),
                switch="field",
                verbose_name="new value",
            ),
        ),
        migrations.AlterField(
            model_name="changerequest",
            name="old_value",
            field=gridcrm.core.sealing.SealedWhenTextField(
                blank=True,
                sealed=("certificate_no", "phone", "phone_alt"),
                switch="field",
                verbose_name="current value",
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="certificate_no",
            field=gridcrm.core.sealing.SealedCharField(
                blank=True,
                max_length=18,
                validators=[gridcrm.archive.validators.validate_certificate_no],
                verbose_name="certificate number",
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="phone",
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
                verbose_name="contact phone",
            ),
        ),
        migrations.AlterField(
            model_name="customer",
            name="phone_alt",
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
                verbose_name="second phone",
            ),
        ),
        migrations.AlterField(
            model_name="fieldchange",
            name="new_value",
            field=gridcrm.core.sealing.SealedWhenTextField(
                blank=True,
                sealed=("certificate_no", "phone", "phone_alt"),
                switch="field",
                verbose_name="new value",
            ),
        ),
        migrations.AlterField(
            model_name="fieldchange",
            name="old_value",
            field=gridcrm.core.sealing.SealedWhenTextField(
                blank=True,
                sealed=("certificate_no", "phone", "phone_alt"),
                switch="field",
                verbose_name="old value",
            ),
        ),
        migrations.AlterField(
            model_name="publiccreditentry",
            name="certificate_no",
            field=gridcrm.core.sealing.SealedCharField(
                max_length=18, verbose_name="certificate number"
            ),
        ),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_phone_last4",
        ),
        migrations.RemoveField(
            model_name="customer",
            name="phone_last4",
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["phone_hash"], name="customer_phone_hash"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["phone_last4_hash"], name="customer_phone_last4_hash"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["certificate_hash"], name="customer_certificate_hash"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                condition=models.Q(("phone_alt_hash", ""), _negated=True),
                fields=["phone_alt_hash"],
                name="customer_phone_alt_hash",
            ),
        ),
        migrations.AddConstraint(
            model_name="publiccreditentry",
            constraint=models.UniqueConstraint(
                fields=("certificate_hash", "list_name"), name="credit_entry_unique_per_list"
            ),
        ),
    ]
