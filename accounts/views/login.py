"""登录: the two tabs 账号登录 and 手机号登录."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

import audit
from registry.context_processors import url_if_built

from .. import remembered, second_factor
from ..forms.login import LoginForm, MobileLoginForm
from ..throttling import client_ip

MOBILE_TAB = "mobile"

# The links under the login form, shown once the page behind each exists.
PUBLIC_LINKS = (
    (_("单位注册"), "institutions:register"),
    (_("用户注册"), "accounts:register"),
    (_("账号查询"), "accounts:lookup"),
    (_("账号激活"), "accounts:activate"),
)


class LoginView(auth_views.LoginView):
    """账号登录 (username, password, captcha) and, with ``?tab=mobile``, 手机号登录."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if request.POST.get("tab") != MOBILE_TAB:
            return super().post(request, *args, **kwargs)
        form = MobileLoginForm(request, data=request.POST)
        if not form.is_valid():
            audit.record(request, audit.Action.LOGIN_FAILED, outcome="failure", via="mobile")
            return self.render_to_response(self.get_context_data(mobile_form=form))
        user = form.get_user()
        backend = second_factor.MODEL_BACKEND
        factor = second_factor.factor_after_mobile_code(user)
        if factor is not None:
            self._start_second_factor(user, factor, backend)
            return redirect("accounts:login_verify")
        # Django's login() rotates the session key and the CSRF token.
        auth_login(request, user, backend=backend)
        return HttpResponseRedirect(self.get_success_url())

    def form_valid(self, form):
        """The right password: sign in, or first ask for the second factor (not signed in
        until it is right)."""
        user = form.get_user()
        factor = second_factor.factor_after_password(user)
        if factor is None:
            return super().form_valid(form)
        if factor == second_factor.Factor.SMS:
            browser = remembered.recognised_browser(request=self.request, user=user)
            if browser is not None:
                # 记住此浏览器: this browser proved the SMS factor within the last days.
                remembered.use_browser(browser)
                second_factor.clear(self.request)
                user.login_audit_detail = {"via": "remembered_browser"}
                messages.info(self.request, _("此浏览器已记住，本次登录无需短信验证码。"))
                return super().form_valid(form)
        try:
            message = self._start_second_factor(user, factor, user.backend)
        except second_factor.SecondFactorRefused as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        if message:
            text, sent = message
            (messages.success if sent else messages.warning)(self.request, text)
        return redirect("accounts:login_verify")

    def _start_second_factor(self, user, factor, backend):
        return second_factor.start(
            self.request,
            user,
            factor=factor,
            backend=backend,
            next_url=self.get_success_url(),
            ip=client_ip(self.request),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mobile_form = kwargs.get("mobile_form")
        on_mobile_tab = mobile_form is not None or self.request.GET.get("tab") == MOBILE_TAB
        context.update(
            {
                "tab": MOBILE_TAB if on_mobile_tab else "account",
                "mobile_form": mobile_form or MobileLoginForm(self.request),
                "password_reset_url": url_if_built("accounts:password_reset"),
                # Development only: where the codes "sent" by SMS can be read.
                "debug_sms_outbox": url_if_built("accounts:sms_outbox") if settings.DEBUG else None,
                "public_links": [
                    (label, url)
                    for label, url in ((label, url_if_built(name)) for label, name in PUBLIC_LINKS)
                    if url
                ],
            }
        )
        return context


def admin_login(request):
    """/admin/login/: the admin's own login form would sign in on the password alone, so
    the admin sends everyone through 账号登录 and its second factor instead."""
    next_url = request.GET.get("next") or "/admin/"
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if request.user.is_staff:
        # Signed in but without a verified TOTP in this session.
        return redirect_to_login(next_url, login_url="accounts:otp")
    raise PermissionDenied
