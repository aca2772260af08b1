"""记住此浏览器, the checkbox under the code on 登录验证 (``accounts.remembered``)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _


class RememberBrowserForm(forms.Form):
    remember_browser = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = settings.REMEMBER_BROWSER_DAYS
        field = self.fields["remember_browser"]
        field.label = _("记住此浏览器（%(days)s天）") % {"days": days}
        field.help_text = _(
            "%(days)s天内在此浏览器用账号密码登录时无需短信验证码。公用电脑请勿勾选。"
        ) % {"days": days}

    @property
    def ticked(self):
        return self.is_valid() and self.cleaned_data["remember_browser"]
