"""基本信息 mobiles encrypted at rest, in the live rows and in 编辑日志 (issue 9 item 2).

The 基本信息 kept with submitted reports (``Report.basic_info_snapshot``, JSON) is display
text; from now on it holds mobiles masked, and this migration masks the ones already there.
Going back decrypts the rows; the masked snapshots stay masked (the full numbers remain in
基本信息 itself).
"""

from django.db import migrations

import accounts.fields
import accounts.validators

MOBILE_FIELDS = ("director_mobile", "contact_mobile")


def encrypt_existing(apps, schema_editor):
    _convert(apps, schema_editor, encrypt=True)
    _mask_snapshots(apps)


def decrypt_existing(apps, schema_editor):
    _convert(apps, schema_editor, encrypt=False)


def _convert(apps, schema_editor, *, encrypt):
    for name in ("BasicInfo", "HistoricalBasicInfo"):
        accounts.fields.convert_columns(
            schema_editor,
            apps.get_model("surveys", name),
            dict.fromkeys(MOBILE_FIELDS),
            encrypt=encrypt,
        )


def _mask_snapshots(apps):
    BasicInfo = apps.get_model("surveys", "BasicInfo")
    Report = apps.get_model("surveys", "Report")
    labels = {str(BasicInfo._meta.get_field(name).verbose_name) for name in MOBILE_FIELDS}
    for report in Report.objects.exclude(basic_info_snapshot=None).only("basic_info_snapshot"):
        masked = [
            [label, accounts.validators.mask_mobile(value) if label in labels else value]
            for label, value in report.basic_info_snapshot
        ]
        if masked != report.basic_info_snapshot:
            Report.objects.filter(pk=report.pk).update(basic_info_snapshot=masked)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_report_legacy"),
    ]

    operations = [
        migrations.AlterField(
            model_name="basicinfo",
            name="contact_mobile",
            field=accounts.fields.EncryptedCharField(
                max_length=11,
                validators=[accounts.validators.validate_mobile],
                verbose_name="医院联系人手机号",
            ),
        ),
        migrations.AlterField(
            model_name="basicinfo",
            name="director_mobile",
            field=accounts.fields.EncryptedCharField(
                max_length=11,
                validators=[accounts.validators.validate_mobile],
                verbose_name="医院负责人手机号",
            ),
        ),
        migrations.AlterField(
            model_name="historicalbasicinfo",
            name="contact_mobile",
            field=accounts.fields.EncryptedCharField(
                max_length=11,
                validators=[accounts.validators.validate_mobile],
                verbose_name="医院联系人手机号",
            ),
        ),
        migrations.AlterField(
            model_name="historicalbasicinfo",
            name="director_mobile",
            field=accounts.fields.EncryptedCharField(
                max_length=11,
                validators=[accounts.validators.validate_mobile],
                verbose_name="医院负责人手机号",
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
