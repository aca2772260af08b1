"""个人中心: 更换手机号."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SmsCode, User
from accounts.sms.codes import SmsCodeError, verify_code

from .fields import ImageCaptchaField
from .sms import MobileField, SmsCodeField


class MobileChangeForm(forms.Form):
    """更换手机号: the new mobile proved by an SMS code sent to it, and the current password.

    Whether another account uses the new mobile is said only after its code is right, so
    that the form tells nobody but the mobile's holder (issue 19 item 2)."""

    mobile = MobileField(label=_("新手机号码"))
    captcha = ImageCaptchaField()
    sms_code = SmsCodeField()
    password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"placeholder": _("请输入当前登录密码"), "autocomplete": "current-password"}
        ),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"]
        if mobile == self.user.mobile:
            raise forms.ValidationError(_("新手机号与当前手机号相同，无需更换。"))
        return mobile

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("当前密码错误，请重新输入。注意密码区分大小写。"))
        return password

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            # The code is checked last, so that a typo elsewhere does not use it up.
            return cleaned
        try:
            verify_code(
                mobile=cleaned["mobile"],
                purpose=SmsCode.Purpose.CHANGE_MOBILE,
                code=cleaned["sms_code"],
            )
        except SmsCodeError as error:
            self.add_error("sms_code", error.message)
            return cleaned
        # Only now, to whoever holds the new mobile: whether another account uses it.
        if User.objects.filter(mobile=cleaned["mobile"]).exclude(pk=self.user.pk).exists():
            self.add_error(
                "mobile",
                _("该手机号已绑定其他账号，不能重复绑定。请换一个手机号，或联系该账号的使用人。"),
            )
        return cleaned

    def save(self):
        """Store the new mobile (normalized by ``MobileField``) with its keyed hash. The unique
        constraint on the hash refuses a mobile another account took since ``clean_mobile``."""
        self.user.mobile = self.cleaned_data["mobile"]
        self.user.save(update_fields=["mobile", "mobile_hash"])
        return self.user
