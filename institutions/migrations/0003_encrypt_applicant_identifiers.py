"""申请人身份证号码 and 申请人手机号码 encrypted at rest (issue 9 item 2); reversible.

Also the record of the applicant's 单独同意 to process the ID number (checklist 8.4);
applications started before have none."""

from django.conf import settings
from django.db import migrations, models

import accounts.fields


def encrypt_existing(apps, schema_editor):
    _convert(apps, schema_editor, encrypt=True)


def decrypt_existing(apps, schema_editor):
    _convert(apps, schema_editor, encrypt=False)


def _convert(apps, schema_editor, *, encrypt):
    accounts.fields.convert_columns(
        schema_editor,
        apps.get_model("institutions", "InstitutionApplication"),
        {"applicant_id_number": None, "applicant_mobile": "applicant_mobile_hash"},
        encrypt=encrypt,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0002_institution_application"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="institutionapplication",
            name="application_mobile_idx",
        ),
        migrations.AddField(
            model_name="institutionapplication",
            name="applicant_mobile_hash",
            field=accounts.fields.BlindIndexField(
                source="applicant_mobile", verbose_name="申请人手机号码索引"
            ),
        ),
        migrations.AlterField(
            model_name="institutionapplication",
            name="applicant_id_number",
            field=accounts.fields.EncryptedCharField(
                max_length=18, verbose_name="申请人身份证号码"
            ),
        ),
        migrations.AlterField(
            model_name="institutionapplication",
            name="applicant_mobile",
            field=accounts.fields.EncryptedCharField(max_length=11, verbose_name="申请人手机号码"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AddIndex(
            model_name="institutionapplication",
            index=models.Index(fields=["applicant_mobile_hash"], name="application_mobile_idx"),
        ),
        migrations.AddField(
            model_name="institutionapplication",
            name="applicant_consent_version",
            field=models.CharField(
                blank=True, editable=False, max_length=20, verbose_name="身份证号码处理同意书版本"
            ),
        ),
        migrations.AddField(
            model_name="institutionapplication",
            name="applicant_consent_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="同意处理身份证号码的时间"
            ),
        ),
    ]
