"""用户注册 (SPEC §3.2)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.consent import ID_NUMBER_CONSENT_LABEL, ID_NUMBER_NOTICE
from accounts.models import SmsCode, User
from accounts.sms.codes import SmsCodeError, verify_code
from accounts.validators import normalize_id_number, validate_id_number, validate_person_name
from institutions.forms import InstitutionChoiceField, RegionField

from .fields import ImageCaptchaField
from .new_account import NewAccountForm
from .sms import MobileField, SmsCodeField


class RegistrationForm(NewAccountForm):
    region = RegionField()
    institution = InstitutionChoiceField()
    real_name = forms.CharField(label=_("真实姓名"), max_length=30)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    id_number_consent = forms.BooleanField(
        label=ID_NUMBER_CONSENT_LABEL,
        help_text=ID_NUMBER_NOTICE,
        error_messages={"required": _("请阅读身份证号码处理说明，单独勾选同意后再注册。")},
    )
    mobile = MobileField()
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
        self.check_new_password(
            cleaned, real_name=cleaned.get("real_name", ""), mobile=cleaned.get("mobile", "")
        )
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
