"""设置用户名 and 设置密码: the part of every form that creates an account."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import User

USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,19}$")
USERNAME_TAKEN = _("该用户名已被使用，请换一个。")


class NewAccountForm(forms.Form):
    """Username and password twice, for 用户注册 and 账号激活.

    Subclasses call ``check_new_password(cleaned, **user_attributes)`` from ``clean()``, so
    Django's validators can compare the password with the person's other details.
    """

    username = forms.CharField(
        label=_("设置用户名"),
        max_length=20,
        help_text=_("4–20位，以字母开头，可含字母、数字和下划线。"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
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

    def clean_username(self):
        """Its form only. Whether it is taken is said only after the visitor proved their
        mobile (``check_username_free``; accounts.mobile_proof)."""
        username = self.cleaned_data["username"].strip()
        if not USERNAME_RE.match(username):
            raise forms.ValidationError(
                _("用户名应为4–20位，以字母开头，只能包含字母、数字和下划线。")
            )
        return username

    def check_username_free(self, username):
        """After the proof: an error on ``username`` if an account has it (any case)."""
        if User.objects.filter(username__iexact=username).exists():
            self.add_error("username", USERNAME_TAKEN)

    def check_new_password(self, cleaned, **user_attributes):
        """The two passwords match and pass Django's validators for this would-be user."""
        password = cleaned.get("password1")
        if password and password != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif password:
            candidate = User(username=cleaned.get("username", ""), **user_attributes)
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
