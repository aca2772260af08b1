"""账号登录 and 手机号登录."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .fields import ImageCaptchaField


class LoginForm(AuthenticationForm):
    """账号登录: username, password and the image captcha."""

    captcha = ImageCaptchaField()

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

    def clean(self):
        # Without a solved captcha the password is not even checked: otherwise the
        # "用户名或密码错误" message would let a robot test passwords while ignoring the image.
        if "captcha" in self.errors:
            return self.cleaned_data
        return super().clean()
