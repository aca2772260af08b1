from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from accounts.models import AuditorTOTPDevice


class Command(BaseCommand):
    help = "开发/演示用（仅 DEBUG）：打印审核员身份验证器当前的6位动态口令，代替手机App。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("此命令仅在开发环境（DEBUG=true）可用。")
        device = AuditorTOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} 没有已绑定的身份验证器。")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}\n")
