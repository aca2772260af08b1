from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """账号登录: username and password (the 账号 issue adds the captcha and mobile login)."""

    error_messages = {
        "invalid_login": _("用户名或密码错误，请重新输入。注意密码区分大小写。"),
        "inactive": _("该账号已停用，请联系本单位管理员或平台。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"placeholder": _("请输入用户名"), "autocomplete": "username"}
        )
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"placeholder": _("请输入密码"), "autocomplete": "current-password"}
        )
