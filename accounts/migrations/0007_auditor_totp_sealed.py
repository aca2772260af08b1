"""Auditors' TOTP secrets sealed at rest (issue 19 item 8): the AuditorTOTPDevice proxy, and
every existing device's hex key sealed with FIELD_ENCRYPTION_KEY (reversible with the same
key). Also the Chinese message of the rule that a hospital account has an institution, which
the admin's 增加用户 form now checks instead of failing with a database error."""

from binascii import hexlify, unhexlify

from django.db import migrations, models

from accounts import crypto


def seal_keys(apps, schema_editor):
    devices = apps.get_model("otp_totp", "TOTPDevice").objects
    for device in devices.exclude(key__startswith=crypto.PREFIX):
        device.key = crypto.seal(unhexlify(device.key.encode()))
        device.save(update_fields=["key"])


def open_keys(apps, schema_editor):
    devices = apps.get_model("otp_totp", "TOTPDevice").objects
    for device in devices.filter(key__startswith=crypto.PREFIX):
        device.key = hexlify(crypto.unseal(device.key)).decode()
        device.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_remembered_browser"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("institutions", "0003_encrypt_applicant_identifiers"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditorTOTPDevice",
            fields=[],
            options={
                "verbose_name": "动态口令设备",
                "verbose_name_plural": "动态口令设备",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
        migrations.AlterConstraint(
            model_name="user",
            name="user_hospital_account_has_institution",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_staff", True), ("institution__isnull", False), _connector="OR"
                ),
                name="user_hospital_account_has_institution",
                violation_error_message="医院账号须选择所属单位；审核员账号请勾选“职员状态”。",
            ),
        ),
        migrations.RunPython(seal_keys, open_keys),
    ]
