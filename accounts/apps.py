import axes.apps
from django.apps import AppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpDefaultConfig


class AccountsConfig(AppConfig):
    """登录, 注册, 账号查询, 忘记密码, 个人中心, 个人身份认证, SMS."""

    name = "accounts"
    verbose_name = "用户管理"
    default = True  # the app's own config among the three in this module

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate, post_save

        from .auditors import sync_auditor_group
        from .models import User
        from .remembered import forget_outdated_browsers
        from .sessions import end_sessions_of_stopped_user, record_login_time

        user_logged_in.connect(record_login_time, dispatch_uid="accounts.record_login_time")
        post_save.connect(
            end_sessions_of_stopped_user, sender=User, dispatch_uid="accounts.end_sessions"
        )
        post_save.connect(
            forget_outdated_browsers, sender=User, dispatch_uid="accounts.forget_browsers"
        )
        post_migrate.connect(sync_auditor_group, dispatch_uid="accounts.auditor_group")


class AxesConfig(axes.apps.AppConfig):
    """django-axes under a Chinese name in 审核后台 (axes ships no Chinese locale; its
    model and field names are translated in locale/zh_Hans)."""

    verbose_name = "登录失败与锁定"


class TotpConfig(TotpDefaultConfig):
    """django-otp's TOTP devices under a Chinese name in 审核后台."""

    verbose_name = "动态口令"
