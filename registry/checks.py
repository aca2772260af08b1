"""System checks of the project (``manage.py check``; ``--deploy`` adds the deploy ones).

Issue 19 item 9: production refuses the demo's shortcuts. With ``DEBUG=false``,
``check --deploy`` fails while the SMS second factor is off or text messages go to a file,
the console or memory instead of a phone. A staging site that really wants them says so with
``ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION=true``; the check then reports them as information,
which does not fail the command, so they stay visible.
"""

from django.conf import settings
from django.core import checks

# Backends that deliver no text message: development (file, console) and tests (memory).
DEMO_SMS_BACKENDS = {
    "accounts.sms.backends.filebased.SmsBackend",
    "accounts.sms.backends.console.SmsBackend",
    "accounts.sms.backends.locmem.SmsBackend",
}
OVERRIDE_HINT = (
    "仅供演示或测试站点：确需保留时设置 ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION=true"
    "（该站点不得用于真实数据）。"
)


def _shortcuts():
    if not settings.SMS_SECOND_FACTOR:
        yield (
            "registry.E001",
            "生产模式 (DEBUG=false) 下关闭了登录短信验证 (SMS_SECOND_FACTOR=false)。",
            "删除 SMS_SECOND_FACTOR 或设为 true：等保三级要求互联网可访问的系统使用双因素认证。",
        )
    if settings.SMS_BACKEND in DEMO_SMS_BACKENDS:
        yield (
            "registry.E002",
            f"生产模式 (DEBUG=false) 下的短信后端 {settings.SMS_BACKEND} 不发送短信。",
            "设置 SMS_BACKEND=accounts.sms.backends.aliyun.SmsBackend 及 SMS_ALIYUN_* 变量。",
        )


@checks.register(checks.Tags.security, deploy=True)
def check_no_demo_shortcuts_in_production(app_configs=None, **kwargs):
    """registry.E001 (second factor off) and registry.E002 (a demo SMS backend) when
    ``DEBUG`` is off; registry.I001/I002 instead under the staging override."""
    if settings.DEBUG:
        return []
    allowed = settings.ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION
    messages = []
    for error_id, message, hint in _shortcuts():
        if allowed:
            messages.append(
                checks.Info(
                    f"{message}（ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION=true，仅限演示或测试站点）",
                    id=error_id.replace(".E", ".I"),
                )
            )
        else:
            messages.append(checks.Error(message, hint=f"{hint}{OVERRIDE_HINT}", id=error_id))
    return messages
