from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """登录, 注册, 账号查询, 忘记密码, 个人中心, 个人身份认证, SMS."""

    name = "accounts"
    verbose_name = "用户管理"
