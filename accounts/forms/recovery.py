"""账号查询 and 忘记密码 (SPEC §3.4).

Neither form says whether an account uses a mobile or a username until the visitor has
proved, with an SMS code, that they hold the mobile (security checklist 1.3, 1.9).
"""

import logging

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts.models import SmsCode, User
from accounts.sms.codes import SmsCodeError, send_code, verify_code
from accounts.validators import mask_mobile, mask_username

from .fields import ImageCaptchaField
from .login import LoginForm
from .sms import MobileField, SmsCodeField

logger = logging.getLogger(__name__)

NO_ACCOUNT = _("该手机号未绑定平台账号。如需使用平台，请先进行用户注册。")

# What ``verify_code`` answers a wrong code and the try that uses up the attempts; repeated
# for the 忘记密码 state in which no code was sent, which must answer exactly the same
# (tests/accounts/test_password_reset.py compares the two).
WRONG_CODE = _("验证码错误，请核对后重新输入。")
TOO_MANY_WRONG_CODES = _("验证码错误次数过多，请重新获取。")


def _verify(mobile, purpose, code):
    """verify_code as a form error. Called outside any atomic block, so that a wrong try
    stays counted (see ``verify_code``)."""
    try:
        verify_code(mobile=mobile, purpose=purpose, code=code)
    except SmsCodeError as error:
        raise forms.ValidationError(error.message, code="sms_code") from None


class LookupForm(forms.Form):
    """账号查询: mobile, image captcha and SMS code → the accounts bound to the mobile."""

    mobile = MobileField()
    captcha = ImageCaptchaField()
    sms_code = SmsCodeField()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            # The code is checked last, so that a typo elsewhere does not use it up.
            return cleaned
        _verify(cleaned["mobile"], SmsCode.Purpose.LOOKUP, cleaned["sms_code"])
        return cleaned

    def accounts(self):
        """(masked username, active?) of every account on the verified mobile."""
        users = User.objects.filter(mobile=self.cleaned_data["mobile"]).order_by("username")
        return [(mask_username(u.username), u.is_active) for u in users]


class ResetByUsernameForm(forms.Form):
    """忘记密码, 通过用户名: the code goes to the account's own mobile, if it has one."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"placeholder": _("请输入用户名"), "autocomplete": "username"}
        ),
    )
    captcha = ImageCaptchaField()

    def send_code(self, *, ip):
        """Send a reset code to the account's mobile and return the account, or None.

        None for an unknown, inactive or mobile-less username, and the caller answers
        exactly as for a real one. A refused send (60 s between codes, daily caps) is only
        logged: saying it for this username would show that the account exists. Instead the
        page tells every visitor alike that a code is held back within 60 s of another to
        the same mobile, and when they may ask again (``views.recovery``).
        """
        user = User.objects.filter(username=self.cleaned_data["username"], is_active=True).first()
        if user is None or not user.mobile:
            return None
        try:
            send_code(mobile=user.mobile, purpose=SmsCode.Purpose.RESET_PASSWORD, ip=ip)
        except SmsCodeError as error:
            logger.info("Reset code to %s not sent: %s", mask_mobile(user.mobile), error.message)
        return user


class ResetByMobileForm(forms.Form):
    """忘记密码, 通过手机号: the code comes from the 获取短信验证码 button."""

    mobile = MobileField()
    captcha = ImageCaptchaField()
    sms_code = SmsCodeField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        _verify(cleaned["mobile"], SmsCode.Purpose.RESET_PASSWORD, cleaned["sms_code"])
        # Whoever gets here holds the mobile, so saying that it has no account leaks nothing.
        self.user = User.objects.filter(mobile=cleaned["mobile"]).first()
        if self.user is None:
            raise forms.ValidationError(NO_ACCOUNT, code="no_account")
        if not self.user.is_active:
            raise forms.ValidationError(LoginForm.error_messages["inactive"], code="inactive")
        return cleaned


class ResetCodeForm(forms.Form):
    """The code sent by 通过用户名, checked against the mobile kept in the session.

    ``mobile`` is empty when no code was sent (no such account): every try is then refused
    with the words ``verify_code`` uses, the last allowed try included, so that guessing
    codes tells nothing about the account. ``misses`` counts those tries.
    """

    sms_code = SmsCodeField()

    def __init__(self, *args, mobile, misses=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.mobile = mobile
        self.misses = misses

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not self.mobile:
            self.misses += 1
            too_many = self.misses >= settings.SMS_CODE_MAX_ATTEMPTS
            raise forms.ValidationError(TOO_MANY_WRONG_CODES if too_many else WRONG_CODE)
        _verify(self.mobile, SmsCode.Purpose.RESET_PASSWORD, cleaned["sms_code"])
        return cleaned


class ResetPasswordForm(SetPasswordForm):
    """设置新密码 for the account whose mobile was verified; Django's password validators
    apply (with the account, so a password like the username is refused)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].widget.attrs["data-password-meter"] = ""
