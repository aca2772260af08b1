"""用户注册."""

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry.context_processors import url_if_built

from .. import mobile_proof, second_factor
from ..forms.registration import RegistrationForm
from ..registration import register_user


def register(request):
    """用户注册: on success the new user is signed in and sent to 个人身份认证."""
    if request.user.is_authenticated:
        return redirect("welcome")
    form = RegistrationForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_user(
                username=data["username"],
                password=data["password1"],
                real_name=data["real_name"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                institution=data["institution"],
            )
        except IntegrityError:
            # Someone took the username, mobile or ID number between the check and now.
            form.add_error(None, _("用户名、手机号或身份证号码刚刚已被注册，请核对后重试。"))
        else:
            mobile_proof.forget(request.session)
            # The code proved the mobile and the form set the password: no second code.
            second_factor.sign_in_after_proof(request, user, via="registration")
            messages.success(
                request, _("注册成功！请完成个人身份认证，审核通过后即可填报本单位数据。")
            )
            return redirect(url_if_built("accounts:verification") or "welcome")
    response = render(
        request,
        "accounts/register.html",
        {
            "form": form,
            "institution_register_url": url_if_built("institutions:register"),
            "proof_minutes": settings.SMS_CODE_TTL_SECONDS // 60,
        },
        status=429 if form.retry_after else 200,
    )
    if form.retry_after:
        response["Retry-After"] = str(form.retry_after)
    return response
