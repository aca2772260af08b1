"""Forms of 单位注册 and 账号激活 (SPEC §3.3). Field rules are the shared validators."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import mobile_proof
from accounts.consent import ID_NUMBER_CONSENT_LABEL, ID_NUMBER_NOTICE
from accounts.forms.fields import ImageCaptchaField
from accounts.forms.new_account import NewAccountForm
from accounts.forms.sms import MobileField, SmsCodeField, prove_mobile_last
from accounts.models import SmsCode
from accounts.validators import normalize_id_number, validate_id_number, validate_person_name

from .applications import (
    FORM_FIELDS,
    ApplicationError,
    check_applicant_free,
    check_not_registered,
)
from .forms import RegionField
from .models import InstitutionApplication
from .validators import normalize_code, validate_licence_number, validate_uscc

# What the file pickers offer; files are judged only by their content (institutions.uploads).
FORM_ACCEPT = ".pdf,.jpg,.jpeg,.png,.bmp,.gif"
IMAGE_ACCEPT = ".jpg,.jpeg,.png,.bmp,.gif"


class ApplicationForm(forms.ModelForm):
    """《单位注册信息登记表》: the institution and the person applying.

    Whether the applicant's ID number (or mobile) already belongs to an account is said only
    to a session that proved the applicant's mobile — by the SMS code at the first step
    (``StartApplicationForm``) or by owning the application (corrections) — and within
    ``accounts.mobile_proof``'s limits, so that the form is no oracle for ID numbers.
    """

    region = RegionField()

    class Meta:
        model = InstitutionApplication
        fields = FORM_FIELDS
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": _("与公章一致的单位全称")}),
            "credit_code": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false"}
            ),
            "licence_number": forms.TextInput(
                attrs={"autocapitalize": "characters", "spellcheck": "false"}
            ),
            "address": forms.TextInput(attrs={"placeholder": _("街道、门牌号")}),
        }
        help_texts = {
            "credit_code": _("18位，见《事业单位法人证书》或营业执照。"),
            "licence_number": _("见《医疗机构执业许可证》正本。"),
            "applicant_name": _("申请人审核通过后成为本单位的单位管理员。"),
        }

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        # Set by clean(): the SMS field's note; the view's 429 with Retry-After.
        self.mobile_proven = False
        self.retry_after = None
        for name in ("grade", "category"):
            field = self.fields[name]
            field.choices = [("", _("请选择")), *list(field.choices)[1:]]

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_credit_code(self):
        value = normalize_code(self.cleaned_data["credit_code"])
        validate_uscc(value)
        return value

    def clean_licence_number(self):
        value = normalize_code(self.cleaned_data["licence_number"])
        validate_licence_number(value)
        return value

    def clean_applicant_name(self):
        name = self.cleaned_data["applicant_name"].strip()
        validate_person_name(name)
        return name

    def clean_legal_representative(self):
        name = self.cleaned_data["legal_representative"].strip()
        validate_person_name(name)
        return name

    def clean_applicant_id_number(self):
        number = normalize_id_number(self.cleaned_data["applicant_id_number"])
        validate_id_number(number)
        return number

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("credit_code") and cleaned.get("licence_number"):
            try:
                check_not_registered(
                    credit_code=cleaned["credit_code"],
                    licence_number=cleaned["licence_number"],
                    exclude=self.instance if self.instance.pk else None,
                )
            except ApplicationError as error:
                self.add_error(error.field, error.message)
        id_number = cleaned.get("applicant_id_number")
        if self.instance.pk and id_number and id_number != self.instance.applicant_id_number:
            # A correction of the owner's application: a changed ID number is checked.
            if not self.errors:
                self.check_applicant(id_number=id_number)
        return cleaned

    def check_applicant(self, **values):
        """After the proof, within the limits: the applicant's ``mobile`` and
        ``id_number`` belong to no account (an error on the field otherwise)."""
        wait = mobile_proof.account_check_wait(self.request)
        if wait:
            self.retry_after = wait
            self.add_error(None, mobile_proof.too_frequent(wait))
            return
        for name, value in values.items():
            try:
                check_applicant_free(**{name: value})
            except ApplicationError as error:
                self.add_error(error.field, error.message)

    def _post_clean(self):
        # The form never writes the model: services do (no construct-and-validate here,
        # which would also check the unrelated model fields).
        pass


class StartApplicationForm(ApplicationForm):
    """The first step: the form plus the applicant's mobile, confirmed by SMS."""

    id_number_consent = forms.BooleanField(
        label=ID_NUMBER_CONSENT_LABEL,
        help_text=ID_NUMBER_NOTICE,
        error_messages={"required": _("请阅读身份证号码处理说明，单独勾选同意后再继续。")},
    )
    applicant_mobile = MobileField(label=_("申请人手机号码"))
    captcha = ImageCaptchaField()
    # Not required once this session proved the mobile (a check after the code refused).
    sms_code = SmsCodeField(required=False)

    def clean(self):
        cleaned = super().clean()
        session = self.request.session
        purpose = SmsCode.Purpose.INSTITUTION_APPLY
        if prove_mobile_last(
            self, mobile_field="applicant_mobile", purpose=purpose, session=session
        ):
            self.check_applicant(
                mobile=cleaned["applicant_mobile"], id_number=cleaned["applicant_id_number"]
            )
        self.mobile_proven = mobile_proof.holds(
            session, mobile=cleaned.get("applicant_mobile"), purpose=purpose
        )
        return cleaned


class ResumeForm(forms.Form):
    """继续申请 / 查询进度: application number + mobile + SMS code."""

    number = forms.CharField(
        label=_("申请编号"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": _("如 SQ20261128-4F7K2")}),
    )
    mobile = MobileField(label=_("申请人手机号码"))
    captcha = ImageCaptchaField()
    sms_code = SmsCodeField()

    def clean_number(self):
        return normalize_code(self.cleaned_data["number"])

    def clean(self):
        cleaned = super().clean()
        prove_mobile_last(self, mobile_field="mobile", purpose=SmsCode.Purpose.INSTITUTION_APPLY)
        return cleaned


class UploadForm(forms.Form):
    """One file. A plain ``FileField``: the file is checked once, by the service."""

    file = forms.FileField(
        label=_("文件"),
        error_messages={
            "required": _("请选择要上传的文件。"),
            "empty": _("上传的文件是空文件，请重新选择。"),
        },
    )

    def __init__(self, *args, label, accept=IMAGE_ACCEPT, file_error=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = label
        self.fields["file"].widget.attrs["accept"] = accept
        self.file_error = file_error

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.file_error:
            self.cleaned_data.pop("file", None)
            self._errors["file"] = self.error_class([self.file_error])


class ActivationForm(NewAccountForm):
    """账号激活: mobile + SMS code + activation code, then username and password."""

    mobile = MobileField(label=_("申请人手机号码"))
    activation_code = forms.CharField(
        label=_("激活码"),
        max_length=12,
        help_text=_("审核通过后以短信发送给申请人的8位激活码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    captcha = ImageCaptchaField()
    # Not required once this session proved the mobile (the username was taken, say).
    sms_code = SmsCodeField(required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.mobile_proven = False

    def clean(self):
        """The username is checked by ``activate_account``, after the activation code: only
        the applicant learns whether it is taken."""
        cleaned = super().clean()
        self.check_new_password(cleaned, mobile=cleaned.get("mobile", ""))
        purpose = SmsCode.Purpose.ACTIVATE
        prove_mobile_last(self, mobile_field="mobile", purpose=purpose, session=self.session)
        self.mobile_proven = mobile_proof.holds(
            self.session, mobile=cleaned.get("mobile"), purpose=purpose
        )
        return cleaned
