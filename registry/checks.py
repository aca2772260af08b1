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


# Issue 21 item 5: state every gunicorn worker on every application server must share.
# The rate limits live in the default cache (registry/ratelimit.py): in a process-local
# cache each worker would count for itself, N workers on M nodes letting N×M times the
# limit through; the database cache and Redis (REDIS_URL) are shared.
LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}
LOCAL_SESSION_ENGINES = {"django.contrib.sessions.backends.file"}


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_state_in_production(app_configs=None, **kwargs):
    """registry.E003: the default cache is local to a process or a server; registry.E004:
    sessions are files on one server's disk. Only when ``DEBUG`` is off."""
    if settings.DEBUG:
        return []
    messages = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in LOCAL_CACHES:
        messages.append(
            checks.Error(
                f"生产模式 (DEBUG=false) 下的缓存后端 {backend} 只在一个进程（或一台服务器）内"
                "有效：限流计数不能在各 gunicorn 进程和各应用服务器之间共享。",
                hint="设置 REDIS_URL（推荐），或不设置 REDIS_URL 而使用数据库缓存"
                "（manage.py createcachetable）。",
                id="registry.E003",
            )
        )
    if settings.SESSION_ENGINE in LOCAL_SESSION_ENGINES:
        messages.append(
            checks.Error(
                "生产模式 (DEBUG=false) 下会话保存在本机文件中：换一台应用服务器应答即会掉线。",
                hint="使用数据库会话（默认）或共享缓存中的会话。",
                id="registry.E004",
            )
        )
    return messages
