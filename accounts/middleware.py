"""What every signed-in request must satisfy before its view runs.

In order: a session whose account is gone, stopped or changed its password is flushed; a
session older than the absolute lifetime is signed out; the idle timeout is renewed (at most
once a minute: ``sessions.keep_alive``); an auditor (staff) without a TOTP
verified in this session reaches only 动态口令; an expired password reaches only 修改密码.
Installed after django-otp's ``OTPMiddleware`` (it needs ``user.is_verified``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .passwords import password_expires_at
from .sessions import absolute_lifetime_over, keep_alive

# Pages an auditor may open before the TOTP step, and anyone before changing an expired
# password: the steps themselves, signing out, and the pages they need.
_STEP_VIEWS = {
    "accounts:otp",
    "accounts:otp_qr",
    "accounts:logout",
    "accounts:password_change",
    "accounts:sms_outbox",
    "healthz",
}


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session to check; not touching it keeps public responses free of
            # "Vary: Cookie" (and cacheable).
            return None
        user = request.user
        if not user.is_authenticated:
            if SESSION_KEY in request.session:
                # Django found no active user with an unchanged password for it.
                request.session.flush()
            return None
        if absolute_lifetime_over(request.session):
            logout(request)
            messages.info(request, _("登录已超过规定时长，为保护数据安全，请重新登录。"))
            return redirect_to_login(request.get_full_path())
        keep_alive(request.session)
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if view_name in _STEP_VIEWS or view_name.startswith("captcha"):
            return None
        if user.is_staff and not user.is_verified():
            return redirect_to_login(request.get_full_path(), login_url="accounts:otp")
        if _password_expired(request):
            messages.warning(request, _("您的密码已过期，请先修改密码。"))
            return redirect("accounts:password_change")
        return None


# The session key under which the expiry answer is kept; not a password.
PASSWORD_EXPIRY = "password_expiry"  # nosec B105


def _password_expired(request):
    """``password_expired`` of the signed-in user, worked out once per password and session:
    the answer is kept with the session's password hash, which changes with the password."""
    password_hash = request.session.get(HASH_SESSION_KEY)
    cached = request.session.get(PASSWORD_EXPIRY)
    now = timezone.now()
    if not (isinstance(cached, dict) and cached.get("for") == password_hash):
        expires_at = password_expires_at(request.user)
        cached = {"for": password_hash, "expires": expires_at and expires_at.timestamp()}
        request.session[PASSWORD_EXPIRY] = cached
    return cached["expires"] is not None and now.timestamp() > cached["expires"]
