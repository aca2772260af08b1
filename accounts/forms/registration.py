"""用户注册 (SPEC §3.2)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import mobile_proof
from accounts.consent import ID_NUMBER_CONSENT_LABEL, ID_NUMBER_NOTICE
from accounts.models import SmsCode, User
from accounts.validators import normalize_id_number, validate_id_number, validate_person_name
from institutions.forms import InstitutionChoiceField, RegionField

from .fields import ImageCaptchaField
from .new_account import NewAccountForm
from .sms import MobileField, SmsCodeField, prove_mobile_last

ID_NUMBER_TAKEN = _("该身份证号码已注册过账号。如忘记账号，请使用“账号查询”。")
MOBILE_TAKEN = _("该手机号已绑定其他账号。如忘记账号，请使用“账号查询”。")


class RegistrationForm(NewAccountForm):
    """Every field, the captcha and the SMS code of the mobile first; only then, and within
    ``accounts.mobile_proof``'s limits, whether the mobile, ID number or username is taken:
    before the proof the page is the same for a registered and an unregistered value."""

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
    # Not required once this session proved the mobile (a check after the code refused).
    sms_code = SmsCodeField(required=False)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        # Set by clean(): the template's note, and the view's 429 with Retry-After.
        self.mobile_proven = False
        self.retry_after = None
        # The 单位名称 select lists the institutions of the region chosen so far.
        self.fields["institution"].widget.region = self.data.get("region") or None

    def clean_real_name(self):
        name = self.cleaned_data["real_name"].strip()
        validate_person_name(name)
        return name

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data["id_number"])
        validate_id_number(number)
        return number

    def clean(self):
        cleaned = super().clean()
        region, institution = cleaned.get("region"), cleaned.get("institution")
        if region and institution and institution.region_id != region.code:
            self.add_error("institution", _("所选单位不在该行政区划内，请重新选择。"))
        self.check_new_password(
            cleaned, real_name=cleaned.get("real_name", ""), mobile=cleaned.get("mobile", "")
        )
        session = self.request.session
        purpose = SmsCode.Purpose.REGISTER
        if prove_mobile_last(self, mobile_field="mobile", purpose=purpose, session=session):
            self._check_free(cleaned)
        self.mobile_proven = mobile_proof.holds(
            session, mobile=cleaned.get("mobile"), purpose=purpose
        )
        return cleaned

    def _check_free(self, cleaned):
        """After the proof: the mobile, ID number and username belong to no account."""
        wait = mobile_proof.account_check_wait(self.request)
        if wait:
            self.retry_after = wait
            self.add_error(None, mobile_proof.too_frequent(wait))
            return
        if User.objects.filter(mobile=cleaned["mobile"]).exists():
            self.add_error("mobile", MOBILE_TAKEN)
        if User.objects.filter(id_number=cleaned["id_number"]).exists():
            self.add_error("id_number", ID_NUMBER_TAKEN)
        self.check_username_free(cleaned["username"])
