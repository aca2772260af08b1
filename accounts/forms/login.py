"""账号登录 and 手机号登录."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import SmsCode, User
from accounts.sms.codes import SmsCodeError, verify_code

from .fields import ImageCaptchaField
from .sms import MobileField, SmsCodeField


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


class MobileLoginForm(forms.Form):
    """手机号登录: mobile, SMS code and the image captcha."""

    mobile = MobileField()
    sms_code = SmsCodeField()
    captcha = ImageCaptchaField()

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            # The code is checked last, so that a typo elsewhere does not use it up.
            return cleaned
        try:
            verify_code(
                mobile=cleaned["mobile"], purpose=SmsCode.Purpose.LOGIN, code=cleaned["sms_code"]
            )
        except SmsCodeError as error:
            raise forms.ValidationError(error.message, code="sms_code") from None
        # Whoever gets here holds the mobile, so saying that it has no account leaks nothing.
        self.user_cache = User.objects.filter(mobile=cleaned["mobile"]).first()
        if self.user_cache is None:
            raise forms.ValidationError(
                _("该手机号未绑定平台账号。请使用账号登录，或先进行用户注册。"), code="no_account"
            )
        if not self.user_cache.is_active:
            raise forms.ValidationError(LoginForm.error_messages["inactive"], code="inactive")
        return cleaned

    def get_user(self):
        return self.user_cache
