"""登录: the two tabs 账号登录 and 手机号登录."""

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from registry.context_processors import url_if_built

from ..forms.login import LoginForm, MobileLoginForm

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
            return self.render_to_response(self.get_context_data(mobile_form=form))
        # Django's login() rotates the session key and the CSRF token.
        auth_login(request, form.get_user(), backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(self.get_success_url())

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
