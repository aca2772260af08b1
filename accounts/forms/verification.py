"""个人身份认证: the 登记号 and the photo of the 《医疗机构执业许可证》."""

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.validators import normalize_code, validate_licence_number

# What the file picker offers; the file is judged only by decoding it (accounts.uploads).
PHOTO_ACCEPT = ".jpg,.jpeg,.png,.bmp,.gif"


class VerificationForm(forms.Form):
    """登记号 and licence photo. The photo is a plain ``FileField``: it is checked once, by
    ``reencode_image`` in ``submit_verification``, not by ImageField's own Pillow pass."""

    licence_number = forms.CharField(
        label=_("医疗机构执业许可证登记号"),
        max_length=40,
        help_text=_("登记号是医疗机构的重要标识，需与《医疗机构执业许可证》正本上的登记号一致。"),
        error_messages={"required": _("请填写医疗机构执业许可证登记号。")},
        widget=forms.TextInput(
            attrs={
                "placeholder": _("请输入许可证上的登记号"),
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
    )
    photo = forms.FileField(
        label=_("医疗机构执业许可证照片"),
        help_text=_("请上传许可证正本的清晰照片，登记号和机构名称需能看清。"),
        error_messages={
            "required": _("请选择要上传的《医疗机构执业许可证》照片。"),
            "empty": _("上传的照片是空文件，请重新选择。"),
        },
        widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT}),
    )

    def __init__(self, *args, photo_error=None, **kwargs):
        """``photo_error``: why the upload was refused while the request was read (too large),
        shown on the photo field instead of "please choose a file"."""
        super().__init__(*args, **kwargs)
        self.photo_error = photo_error

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.photo_error:
            self.cleaned_data.pop("photo", None)
            self._errors["photo"] = self.error_class([self.photo_error])

    def clean_licence_number(self):
        value = normalize_code(self.cleaned_data["licence_number"])
        validate_licence_number(value)
        return value
