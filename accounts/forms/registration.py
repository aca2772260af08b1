"""用户注册 (SPEC §3.2)."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import SmsCode, User
from accounts.sms.codes import SmsCodeError, verify_code
from accounts.validators import normalize_id_number, validate_id_number, validate_person_name
from institutions.forms import InstitutionChoiceField, RegionField

from .fields import ImageCaptchaField
from .sms import MobileField, SmsCodeField

USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,19}$")


class RegistrationForm(forms.Form):
    region = RegionField()
    institution = InstitutionChoiceField()
    real_name = forms.CharField(label=_("真实姓名"), max_length=30)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    username = forms.CharField(
        label=_("设置用户名"),
        max_length=20,
        help_text=_("4–20位，以字母开头，可含字母、数字和下划线。"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    mobile = MobileField()
    password1 = forms.CharField(
        label=_("设置密码"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "data-password-meter": ""}
        ),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    captcha = ImageCaptchaField()
    sms_code = SmsCodeField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The 单位名称 select lists the institutions of the region chosen so far.
        self.fields["institution"].widget.region = self.data.get("region") or None

    def clean_real_name(self):
        name = self.cleaned_data["real_name"].strip()
        validate_person_name(name)
        return name

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data["id_number"])
        validate_id_number(number)
        if User.objects.filter(id_number=number).exists():
            raise forms.ValidationError(
                _("该身份证号码已注册过账号。如忘记账号，请使用“账号查询”。")
            )
        return number

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not USERNAME_RE.match(username):
            raise forms.ValidationError(
                _("用户名应为4–20位，以字母开头，只能包含字母、数字和下划线。")
            )
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该用户名已被使用，请换一个。"))
        return username

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"]
        if User.objects.filter(mobile=mobile).exists():
            raise forms.ValidationError(_("该手机号已绑定其他账号。如忘记账号，请使用“账号查询”。"))
        return mobile

    def clean(self):
        cleaned = super().clean()
        region, institution = cleaned.get("region"), cleaned.get("institution")
        if region and institution and institution.region_id != region.code:
            self.add_error("institution", _("所选单位不在该行政区划内，请重新选择。"))
        password = cleaned.get("password1")
        if password and password != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif password:
            candidate = User(
                username=cleaned.get("username", ""),
                real_name=cleaned.get("real_name", ""),
                mobile=cleaned.get("mobile", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        if self.errors:
            # The SMS code is checked last, so that a mistake elsewhere does not use it up.
            return cleaned
        try:
            verify_code(
                mobile=cleaned["mobile"],
                purpose=SmsCode.Purpose.REGISTER,
                code=cleaned["sms_code"],
            )
        except SmsCodeError as error:
            self.add_error("sms_code", error.message)
        return cleaned
