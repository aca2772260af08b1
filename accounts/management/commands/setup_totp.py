from base64 import b32encode

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.otp import replace_totp_device


class Command(BaseCommand):
    help = (
        "为审核员（staff）账号创建动态口令设备（取代原有设备），打印密钥和 otpauth 链接，"
        "供其在身份验证器App中添加。用于首个审核员或丢失手机的审核员。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    @transaction.atomic
    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的审核员（staff）账号。")
        device = replace_totp_device(user)
        self.stdout.write(
            f"已为 {username} 设置动态口令。\n"
            f"  密钥：{b32encode(device.bin_key).decode()}\n"
            f"  链接：{device.config_url}\n"
        )
