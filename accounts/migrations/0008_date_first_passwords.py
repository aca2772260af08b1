"""Issue 19 item 5: the first password of accounts made since the password history began —
by 用户注册, createsuperuser or seed_demo, which set it without ``set_password`` — was never
recorded, so it never expired and could be used again. Such an account still has its first
password (any change was recorded), so it is dated from the day the account was made. From
now on ``User.save`` records every password, the first included."""

from django.db import migrations


def date_first_passwords(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    PasswordHistory = apps.get_model("accounts", "PasswordHistory")
    unrecorded = (
        # "!" marks an unusable password; bandit takes the keyword for a literal secret.
        User.objects.exclude(password__startswith="!")  # nosec B106
        .exclude(password="")
        .filter(password_history__isnull=True)
        .values_list("pk", "password", "date_joined")
    )
    PasswordHistory.objects.bulk_create(
        PasswordHistory(user_id=pk, password=password, created_at=date_joined)
        for pk, password, date_joined in unrecorded.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_auditor_totp_sealed"),
    ]

    operations = [
        migrations.RunPython(date_first_passwords, migrations.RunPython.noop),
    ]
