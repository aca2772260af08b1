"""个人中心: profile, password and mobile."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

import audit

from ..forms.profile import MobileChangeForm
from ..sessions import wrong_current_password
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
        },
    )


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
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/mobile_change.html",
        {"form": form, "masked_mobile": mask_mobile(user.mobile)},
    )


def _signed_out_after_wrong_passwords(request):
    messages.error(request, _("当前密码错误次数过多，已退出登录。请重新登录。"))
    return redirect("accounts:login")
