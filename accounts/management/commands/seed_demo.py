from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import (
    CREDENTIALS_FILE,
    create_demo_data,
    ensure_demo_auditor_totp,
    format_credentials,
    window_note,
)
from institutions.models import Region


class Command(BaseCommand):
    help = "在空数据库中创建演示账号和演示单位，并打印账号密码。"

    def handle(self, *args, **options):
        # Issue 19 item 9: demo accounts with printed passwords never on a production site.
        if not settings.DEBUG:
            raise CommandError(
                "生产模式 (DEBUG=false) 下不能创建演示账号：seed_demo 仅用于开发和演示环境。"
            )
        if not Region.objects.exists():
            raise CommandError("行政区划表为空，请先运行 manage.py load_regions。")
        accounts = create_demo_data()
        if accounts:
            text = format_credentials(accounts)
            CREDENTIALS_FILE.write_text(text, encoding="utf-8")
            CREDENTIALS_FILE.chmod(0o600)
        elif CREDENTIALS_FILE.exists():
            text = CREDENTIALS_FILE.read_text(encoding="utf-8")
            note = ensure_demo_auditor_totp()
            if note:
                # A demo database from before auditors needed TOTP: give its auditor a device.
                text += note
                CREDENTIALS_FILE.write_text(text, encoding="utf-8")
        else:
            text = "数据库中已有用户，未创建演示账号。\n"
        self.stdout.write(text + window_note())
