"""个人中心: profile, password and mobile."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import audit

from .. import remembered
from ..forms.profile import MobileChangeForm
from ..sessions import end_sessions_of, wrong_current_password
from ..validators import mask_id_number, mask_mobile


@login_required
def profile(request):
    """个人中心: who I am, my institution and my verification status."""
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "masked_id_number": mask_id_number(user.id_number),
            "masked_mobile": mask_mobile(user.mobile),
            "remembered_browsers": remembered.browsers_of(request=request, user=user),
            "may_remember": remembered.may_remember(user),
            "remember_days": settings.REMEMBER_BROWSER_DAYS,
        },
    )


@login_required
@require_POST
def sign_out_everywhere(request):
    """退出所有设备: forget every remembered browser of the account (their next 账号登录 asks
    for an SMS code again) and end its other sessions; this one stays signed in."""
    user = request.user
    browsers = remembered.forget_browsers(user=user)
    sessions = end_sessions_of(user, keep=request.session.session_key)
    audit.record(
        request, audit.Action.LOGOUT, scope="all_devices", browsers=browsers, sessions=sessions
    )
    messages.success(
        request,
        _("已退出其他设备上的登录，并清除了全部记住的浏览器；今后在这些浏览器登录需要短信验证码。"),
    )
    response = redirect("accounts:profile")
    remembered.drop_cookie(response)
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码: the old password is required; the session stays signed in."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["new_password1"].widget.attrs["data-password-meter"] = ""
        return form

    def form_invalid(self, form):
        if form.has_error("old_password") and wrong_current_password(self.request):
            return _signed_out_after_wrong_passwords(self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。下次登录请使用新密码。"))
        return response


@login_required
def mobile_change(request):
    """更换手机号: a code sent to the new mobile, and the current password."""
    user = request.user
    form = MobileChangeForm(user, request.POST or None)
    if (
        request.method == "POST"
        and not form.is_valid()
        and form.has_error("password")
        and wrong_current_password(request)
    ):
        return _signed_out_after_wrong_passwords(request)
    if request.method == "POST" and form.is_valid():
        # The new mobile revokes every remembered browser (accounts.remembered); this one is
        # remembered again if it was, since the person just proved the new mobile and the
        # password here.
        was_remembered = remembered.recognised_browser(request=request, user=user) is not None
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:
            # Another account took the mobile between the check and now.
            user.refresh_from_db(fields=["mobile"])
            form.add_error("mobile", _("该手机号刚刚已被其他账号绑定，请换一个手机号。"))
        else:
            audit.record(request, audit.Action.MOBILE_CHANGE, obj=user)
            messages.success(
                request, _("手机号已更换为 %(mobile)s。") % {"mobile": mask_mobile(user.mobile)}
            )
            response = redirect("accounts:profile")
            if was_remembered:
                remembered.remember_browser(request=request, response=response, user=user)
            return response
    return render(
        request,
        "accounts/mobile_change.html",
        {"form": form, "masked_mobile": mask_mobile(user.mobile)},
    )


def _signed_out_after_wrong_passwords(request):
    messages.error(request, _("当前密码错误次数过多，已退出登录。请重新登录。"))
    return redirect("accounts:login")
