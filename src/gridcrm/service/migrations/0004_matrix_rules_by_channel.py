"""Matrix rules can apply to one channel only; the key-account fast channel's tighter
limits move from code into the matrix. A database that already has a matrix gets a new
version: the current rules and the fast-channel rule (``defaults.FAST_CHANNEL_RULE``)."""

from django.db import migrations, models


def fast_channel_rule_publish(apps, schema_editor):
    from gridcrm.service.defaults import FAST_CHANNEL_RULE

    MatrixVersion = apps.get_model("service", "MatrixVersion")
    MatrixRule = apps.get_model("service", "MatrixRule")
    current = MatrixVersion.objects.order_by("-number").first()
    if current is None:  # a new database: defaults_install writes the whole matrix
        return
    rules = list(MatrixRule.objects.filter(version=current).order_by("position"))
    if any(rule.channel for rule in rules):
        return
    version = MatrixVersion.objects.create(
        number=current.number + 1,
        note="大客户快速通道的时限写入服务矩阵 / fast-channel limits in the matrix",
    )
    copied = [
        MatrixRule(
            **{
                f.name: getattr(rule, f.name)
                for f in MatrixRule._meta.concrete_fields
                if f.name not in ("id", "version")
            },
            version=version,
        )
        for rule in rules
    ]
    position = max((rule.position for rule in rules), default=0) + 1
    copied.append(MatrixRule(version=version, position=position, **FAST_CHANNEL_RULE))
    MatrixRule.objects.bulk_create(copied)


class Migration(migrations.Migration):
    dependencies = [("service", "0003_matrix_terms_from_credit_policy")]

    operations = [
        migrations.AddField(
            model_name="matrixrule",
            name="channel",
            field=models.CharField(
                blank=True,
                choices=[
                    ("counter", "Service counter"),
                    ("phone", "95598 phone"),
                    ("app", "Power app"),
                    ("portal", "Customer portal"),
                    ("fast_channel", "Key-account fast channel"),
                ],
                max_length=20,
                verbose_name="only for channel",
            ),
        ),
        migrations.RunPython(fast_channel_rule_publish, migrations.RunPython.noop),
    ]
