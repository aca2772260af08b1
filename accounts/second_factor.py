"""The second step of signing in (security checklist 1.8; MLPS 8.1.4.1 d).

账号登录 proves the password; the account is then asked for a second factor before
``login()`` is called: an SMS code sent to its own mobile, or, for auditors (staff) with an
authenticator app, a TOTP code. 手机号登录 proves the mobile; its second factor is the
password. Until that step succeeds the session holds only a *pending* state — the account id,
which factor is due, when the state expires, the wrong tries and where to go next — and is
not signed in: every protected page treats the visitor as anonymous.

``SMS_SECOND_FACTOR`` (default on) turns the SMS and password steps off for a demo; the TOTP
step of auditors who have a device, and the rule that auditors reach nothing without a
verified TOTP (``accounts.middleware``), stay on whatever it says.
"""

import logging

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditorTOTPDevice

from .models import SmsCode, User
from .sms.codes import SmsCodeError, send_code
from .validators import mask_mobile

logger = logging.getLogger(__name__)

PENDING = "login_pending"
_KEYS = {"user_id", "backend", "factor", "expires", "misses", "next"}


class Factor:
    SMS = "sms"
    TOTP = "totp"
    # The name of a factor, not a secret (bandit B105).
    PASSWORD = "password"  # nosec B105


class SecondFactorRefused(Exception):
    """The account cannot complete a second factor; ``message`` is Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def confirmed_totp_device(user):
    return AuditorTOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def factor_after_password(user):
    """What 账号登录 asks for once the password was right, or None (sign in now)."""
    if user.is_staff and confirmed_totp_device(user):
        return Factor.TOTP
    if settings.SMS_SECOND_FACTOR:
        return Factor.SMS
    return None


def factor_after_mobile_code(user):
    """What 手机号登录 asks for once the SMS code was right, or None (sign in now)."""
    return Factor.PASSWORD if settings.SMS_SECOND_FACTOR else None


def start(request, user, *, factor, backend, next_url, ip):
    """Remember that ``user`` passed the first factor and still owes ``factor``.

    For the SMS factor the first code is sent now. Raises ``SecondFactorRefused`` (nothing
    stored) when the account has no mobile to send it to.
    """
    if factor == Factor.SMS and not user.mobile:
        raise SecondFactorRefused(
            _("该账号未绑定手机号，无法完成短信验证登录。请联系本单位管理员或平台处理。")
        )
    # A new sign-in replaces whatever another attempt in this browser left.
    request.session[PENDING] = {
        "user_id": user.pk,
        "backend": backend,
        "factor": factor,
        "expires": timezone.now().timestamp() + settings.LOGIN_SECOND_FACTOR_SECONDS,
        "misses": 0,
        "next": next_url,
    }
    if factor == Factor.SMS:
        return send_login_code(user, ip=ip)
    return None


def send_login_code(user, *, ip):
    """Send a 登录验证 code to the account's mobile; the Chinese outcome message and whether
    it was sent. ``send_code`` enforces 60 s between codes and the daily caps."""
    try:
        send_code(mobile=user.mobile, purpose=SmsCode.Purpose.LOGIN_2FA, ip=ip)
    except SmsCodeError as error:
        return error.message, False
    return (
        _("验证码已发送至 %(mobile)s，%(minutes)s分钟内有效。")
        % {
            "mobile": mask_mobile(user.mobile),
            "minutes": settings.SMS_CODE_TTL_SECONDS // 60,
        },
        True,
    )


def load(request):
    """(state, user) of this session's pending sign-in, or None if there is none, it
    expired, is malformed or its account was stopped since (the state is then dropped)."""
    state = request.session.get(PENDING)
    if state is None:
        return None
    ok = (
        isinstance(state, dict)
        and set(state) == _KEYS
        and type(state["user_id"]) is int
        and state["factor"] in (Factor.SMS, Factor.TOTP, Factor.PASSWORD)
        and type(state["expires"]) in (int, float)
        and state["expires"] > timezone.now().timestamp()
        and type(state["misses"]) is int
    )
    user = User.objects.filter(pk=state["user_id"], is_active=True).first() if ok else None
    if user is None:
        clear(request)
        return None
    return state, user


def count_miss(request, state):
    """Count one wrong answer; True when that was the last allowed (the state is dropped)."""
    misses = state["misses"] + 1
    if misses >= settings.LOGIN_SECOND_FACTOR_MAX_ATTEMPTS:
        clear(request)
        logger.info("Second factor failed too often for user %s", state["user_id"])
        return True
    request.session[PENDING] = {**state, "misses": misses}
    return False


def clear(request):
    request.session.pop(PENDING, None)


def complete(request, user, state, *, otp_device=None):
    """Sign ``user`` in (new session key, CSRF token rotated) and drop the pending state."""
    if otp_device is not None:
        # django-otp's user_logged_in handler stores the device in the new session.
        user.otp_device = otp_device
    clear(request)
    # The password step checks the password on its own copy of the account, which may have
    # rehashed it (PBKDF2 → Argon2): the session must carry the hash now stored.
    user.refresh_from_db(fields=["password"])
    auth_login(request, user, backend=state["backend"])
    return state["next"]


MODEL_BACKEND = "accounts.backends.ModelBackend"


def sign_in_after_proof(request, user, *, via):
    """Sign in ``user`` right after a flow that has just proved, in this browser, both their
    mobile (an SMS code) and their password (set or typed): 用户注册, 账号激活, 忘记密码 —
    the two factors 登录验证 would ask for, so no second code is sent.

    Through Django's ``login()`` like every sign-in (new session key, CSRF token rotated,
    the audit event, with ``via``, and the absolute session lifetime). An auditor (staff) is
    never signed in this way — their factors are never skipped: returns False and does
    nothing; True once signed in.
    """
    if user.is_staff or not user.is_active:
        return False
    user.login_audit_detail = {"via": via}
    clear(request)
    auth_login(request, user, backend=MODEL_BACKEND)
    return True
