"""身份证号码 and mobiles encrypted at rest (issue 9 item 2, security checklist 8.1).

The clear columns become AES-GCM ciphertext; uniqueness and lookups move to the new HMAC
columns. Reversible: going back decrypts the values in place (with the same keys). Also the
record of the 单独同意 to process the ID number (checklist 8.4); accounts that exist today
have none (they registered before the notice existed).
"""

import django.db.models
from django.db import migrations, models

import accounts.fields
import accounts.validators


def encrypt_existing(apps, schema_editor):
    _convert(apps, schema_editor, encrypt=True)


def decrypt_existing(apps, schema_editor):
    _convert(apps, schema_editor, encrypt=False)


def _convert(apps, schema_editor, *, encrypt):
    user = apps.get_model("accounts", "User")
    code = apps.get_model("accounts", "SmsCode")
    accounts.fields.convert_columns(
        schema_editor,
        user,
        {"mobile": "mobile_hash", "id_number": "id_number_hash"},
        encrypt=encrypt,
    )
    accounts.fields.convert_columns(schema_editor, code, {"mobile": "mobile_hash"}, encrypt=encrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_password_history"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="user_mobile_unique"),
        migrations.RemoveConstraint(model_name="user", name="user_id_number_unique"),
        migrations.RemoveIndex(model_name="smscode", name="sms_code_mobile_idx"),
        migrations.AddField(
            model_name="user",
            name="mobile_hash",
            field=accounts.fields.BlindIndexField(source="mobile", verbose_name="手机号码索引"),
        ),
        migrations.AddField(
            model_name="user",
            name="id_number_hash",
            field=accounts.fields.BlindIndexField(
                source="id_number", verbose_name="身份证号码索引"
            ),
        ),
        migrations.AddField(
            model_name="smscode",
            name="mobile_hash",
            field=accounts.fields.BlindIndexField(source="mobile", verbose_name="手机号码索引"),
        ),
        migrations.AlterField(
            model_name="user",
            name="mobile",
            field=accounts.fields.EncryptedCharField(
                blank=True,
                max_length=11,
                validators=[accounts.validators.validate_mobile],
                verbose_name="手机号码",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="id_number",
            field=accounts.fields.EncryptedCharField(
                blank=True,
                max_length=18,
                validators=[accounts.validators.validate_id_number],
                verbose_name="身份证号码",
            ),
        ),
        migrations.AlterField(
            model_name="smscode",
            name="mobile",
            field=accounts.fields.EncryptedCharField(max_length=11, verbose_name="手机号码"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=django.db.models.Q(("mobile_hash", ""), _negated=True),
                fields=("mobile_hash",),
                name="user_mobile_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=django.db.models.Q(("id_number_hash", ""), _negated=True),
                fields=("id_number_hash",),
                name="user_id_number_unique",
            ),
        ),
        migrations.AddIndex(
            model_name="smscode",
            index=models.Index(
                fields=["mobile_hash", "purpose", "created_at"], name="sms_code_mobile_idx"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="id_number_consent_version",
            field=models.CharField(
                blank=True, editable=False, max_length=20, verbose_name="身份证号码处理同意书版本"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="id_number_consent_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="同意处理身份证号码的时间"
            ),
        ),
    ]
