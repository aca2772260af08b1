"""个人中心: profile and password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

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

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。下次登录请使用新密码。"))
        return response
