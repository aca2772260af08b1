"""Form fields shared by the accounts forms."""

from captcha.fields import CaptchaField, CaptchaTextInput
from django.utils.translation import gettext_lazy as _


class ImageCaptchaField(CaptchaField):
    """验证码: the image captcha, single use, expires after 5 minutes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("验证码"))
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("验证码错误或已过期，请看图重新输入（可点击图片右侧按钮换一张）。")},
        )
        kwargs.setdefault(
            "widget",
            CaptchaTextInput(
                attrs={
                    "class": "form-control",
                    "placeholder": _("请输入验证码"),
                    "autocomplete": "off",
                    "autocapitalize": "off",
                    "spellcheck": "false",
                }
            ),
        )
        super().__init__(**kwargs)
