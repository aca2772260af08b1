"""登录验证 (the second step of signing in) and 动态口令 (TOTP) for auditors."""

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token

from accounts.models import SmsCode
from accounts.sms.codes import SmsCodeError, verify_code

from .sms import SmsCodeField


class SmsSecondFactorForm(forms.Form):
    """The 登录验证 code sent to the account's own mobile."""

    sms_code = SmsCodeField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            verify_code(
                mobile=self.user.mobile,
                purpose=SmsCode.Purpose.LOGIN_2FA,
                code=cleaned["sms_code"],
            )
        except SmsCodeError as error:
            raise forms.ValidationError(error.message, code="sms_code") from None
        return cleaned


class TotpForm(forms.Form):
    """A 6-digit code of the authenticator app, checked against one TOTP device.

    django-otp refuses a code used before and slows down repeated failures (throttling)."""

    otp_token = forms.CharField(
        label=_("动态口令"),
        min_length=6,
        max_length=6,
        error_messages={
            "required": _("请输入身份验证器App中的6位动态口令。"),
            "min_length": _("动态口令为6位数字，请核对后重新输入。"),
            "max_length": _("动态口令为6位数字，请核对后重新输入。"),
        },
        widget=forms.TextInput(
            attrs={
                "placeholder": _("请输入身份验证器App中的6位数字"),
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
            }
        ),
    )

    def __init__(self, *args, user, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        token = cleaned["otp_token"].strip()
        if not token.isdigit() or verify_token(self.user, self.device.persistent_id, token) is None:
            raise forms.ValidationError(
                _("动态口令错误或已过期，请输入身份验证器App中当前显示的6位数字。"),
                code="otp_token",
            )
        return cleaned


class PasswordSecondFactorForm(forms.Form):
    """手机号登录's second step: the account's password (django-axes counts failures)."""

    password = forms.CharField(
        label=_("登录密码"),
        strip=False,
        error_messages={"required": _("请输入该账号的登录密码。")},
        widget=forms.PasswordInput(
            attrs={"placeholder": _("请输入密码"), "autocomplete": "current-password"}
        ),
    )

    def __init__(self, *args, request, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # authenticate() rather than check_password(): the lockout counts this try.
        if (
            authenticate(self.request, username=self.user.username, password=cleaned["password"])
            is None
        ):
            raise forms.ValidationError(
                _("密码错误，请重新输入。注意密码区分大小写。"), code="invalid_login"
            )
        return cleaned
