"""获取短信验证码: the form behind every "send me a code" button."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import mobile_proof
from accounts.models import SmsCode
from accounts.sms.codes import SmsCodeError, verify_code
from accounts.validators import normalize_mobile, validate_mobile

from .fields import ImageCaptchaField

# Codes anyone may ask for before signing in; the others need a signed-in user.
PUBLIC_PURPOSES = (
    SmsCode.Purpose.REGISTER,
    SmsCode.Purpose.LOGIN,
    SmsCode.Purpose.LOOKUP,
    SmsCode.Purpose.RESET_PASSWORD,
    SmsCode.Purpose.INSTITUTION_APPLY,
    SmsCode.Purpose.ACTIVATE,
)
# Codes the button sends only for a signed-in user (to the new mobile). Never 登录验证: those
# go only to an account's own mobile after its right password (accounts.second_factor), so
# nobody else can spend the sign-in budget (accounts.sms.codes).
SIGNED_IN_PURPOSES = (SmsCode.Purpose.CHANGE_MOBILE,)


class MobileField(forms.CharField):
    """手机号码, normalized to 11 digits."""

    default_validators = [validate_mobile]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("手机号码"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": _("请输入手机号码"),
                    "autocomplete": "tel",
                    "inputmode": "tel",
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_mobile(super().to_python(value))


class SmsCodeField(forms.CharField):
    """短信验证码: six digits; the form checks it with ``verify_code`` last of all."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("短信验证码"))
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("请输入6位短信验证码。"),
                "min_length": _("短信验证码为6位数字，请核对后重新输入。"),
                "max_length": _("短信验证码为6位数字，请核对后重新输入。"),
            },
        )
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": _("请输入6位短信验证码"),
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                }
            ),
        )
        super().__init__(**kwargs)


def prove_mobile_last(form, *, mobile_field, purpose, session=None):
    """Has the visitor proved the form's mobile for ``purpose``? Checks the SMS code once
    every other field is valid, so that a mistake elsewhere does not use it up; with a
    ``session``, a proof it remembers from an earlier try of the form within the code's
    lifetime counts too (the form's ``sms_code`` field is then not required), and a right
    code is remembered (``accounts.mobile_proof``). False with an error on ``sms_code`` or
    on another field."""
    mobile = form.cleaned_data.get(mobile_field)
    if session is not None and mobile_proof.holds(session, mobile=mobile, purpose=purpose):
        return not form.errors
    code = form.cleaned_data.get("sms_code")
    if not code and "sms_code" not in form.errors:
        form.add_error("sms_code", form.fields["sms_code"].error_messages["required"])
    if form.errors:
        return False
    try:
        verify_code(mobile=mobile, purpose=purpose, code=code)
    except SmsCodeError as error:
        form.add_error("sms_code", error.message)
        return False
    if session is not None:
        mobile_proof.remember(session, mobile=mobile, purpose=purpose)
    return True


class SendCodeForm(forms.Form):
    mobile = MobileField()
    purpose = forms.ChoiceField(
        choices=[(purpose.value, purpose.label) for purpose in PUBLIC_PURPOSES + SIGNED_IN_PURPOSES]
    )
    captcha = ImageCaptchaField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_purpose(self):
        purpose = self.cleaned_data["purpose"]
        signed_in = self.user is not None and self.user.is_authenticated
        if purpose not in PUBLIC_PURPOSES and not signed_in:
            raise forms.ValidationError(_("请先登录。"))
        return purpose
