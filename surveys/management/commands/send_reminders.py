from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from surveys.reminders import QUIET_FROM, QUIET_UNTIL, send_reminders


def day_list(value):
    """The days of ``--days 14,3``: [14, 3]."""
    try:
        days = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        days = []
    if not days or any(day < 0 for day in days):
        raise CommandError(f"--days 须为以逗号分隔的天数，例如 14,3（收到 {value!r}）。")
    return days


class Command(BaseCommand):
    help = (
        "向报告尚未提交的单位的单位管理员发送填报截止提醒短信（截止前 N 天，含延期），"
        "以及报告被退回的提醒。每条提醒只发一次（记录在“提醒短信”中），失败的下次运行时重试；"
        "北京时间22:00至次日08:00不发送。每天由 cron 或 systemd timer 运行一次即可。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=day_list,
            default=None,
            help="截止前几天提醒，以逗号分隔（默认取 REMINDER_DAYS 设置，即 14,3）",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只列出将要发送的提醒，不发送、不记录",
        )

    def handle(self, *args, days, dry_run, **options):
        outcome = send_reminders(days=days, dry_run=dry_run)
        quiet_hours = f"{QUIET_FROM:%H:%M}–{QUIET_UNTIL:%H:%M}"
        now = timezone.localtime(timezone.now(), timezone.get_default_timezone())
        if outcome.quiet and not dry_run:
            self.stdout.write(
                f"现在是北京时间{now:%H:%M}，处于免打扰时段（{quiet_hours}），未发送任何提醒短信。"
                f" (quiet hours {quiet_hours} Asia/Shanghai: nothing sent)"
            )
            return
        if dry_run:
            for reminder in outcome.pending:
                self.stdout.write(f"将发送：{reminder.describe()}")
            if outcome.quiet:
                self.stdout.write(
                    f"现在处于免打扰时段（{quiet_hours}），实际运行时不会发送，待08:00以后运行。"
                )
            self.stdout.write(
                f"演练：将发送{len(outcome.pending)}条提醒短信，此前已发送{outcome.already}条；"
                f"未发送、未记录任何短信。 (dry run: {len(outcome.pending)} would be sent, "
                f"{outcome.already} already sent; nothing sent)"
            )
            return
        for reminder in outcome.sent:
            self.stdout.write(f"已发送：{reminder.describe()}")
        for reminder, error in outcome.failed:
            self.stdout.write(f"发送失败：{reminder.describe()}：{error}")
        if outcome.stopped:
            self.stdout.write(f"已进入免打扰时段（{quiet_hours}），其余提醒下次运行时发送。")
        self.stdout.write(
            f"提醒短信：已发送{len(outcome.sent)}条，失败{len(outcome.failed)}条，"
            f"此前已发送{outcome.already}条。 (reminders: {len(outcome.sent)} sent, "
            f"{len(outcome.failed)} failed, {outcome.already} already sent)"
        )
        if outcome.failed:
            raise CommandError(
                f"有{len(outcome.failed)}条提醒短信发送失败，已记录，下次运行时重试。"
            )
