"""账号查询 and 忘记密码 (SPEC §3.4).

忘记密码 takes up to three pages, and the session remembers where the visitor is:

1. ``password_reset``: 通过用户名 (username + captcha; the server sends the code to the
   account's mobile, if there is such an account) or 通过手机号 (mobile + captcha + the code
   from the 获取短信验证码 button, checked on this page).
2. ``password_reset_verify``: 通过用户名 only — the code.
3. ``password_reset_set``: the new password, once the code was right.

The session holds only the account id, the normalized mobile (encrypted), whether the code
was right, when the state expires (with the code) and the wrong tries of a state in which no
code was sent. Never the code. A missing, stale or malformed state sends the visitor back to page 1.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import crypto, second_factor
from ..forms.recovery import (
    LookupForm,
    ResetByMobileForm,
    ResetByUsernameForm,
    ResetCodeForm,
    ResetPasswordForm,
)
from ..models import User
from ..throttling import client_ip
from ..validators import mask_mobile, mask_username, normalize_mobile, validate_mobile

RESET_STATE = "password_reset"
# The mobile 账号查询 has just verified, for 重置密码 next to each account it lists.
LOOKUP_STATE = "account_lookup"
# When this browser last asked 通过用户名 for a code (a timestamp), for the 60 s between asks.
RESET_SENT = "password_reset_sent"
_STATE_KEYS = {"user_id", "mobile", "verified", "expires", "misses"}
MOBILE_TAB = "mobile"


def lookup(request):
    """账号查询: after the SMS code, the (masked) usernames bound to the mobile, each with
    重置密码: the code just proved the mobile, so 忘记密码 needs no second one."""
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[LOOKUP_STATE] = {
            "mobile": crypto.encrypt(form.cleaned_data["mobile"]),
            "expires": _expiry(),
        }
        return render(
            request,
            "accounts/lookup.html",
            {
                "accounts": form.accounts(),
                "masked_mobile": mask_mobile(form.cleaned_data["mobile"]),
            },
        )
    return render(request, "accounts/lookup.html", {"form": form})


@require_POST
def lookup_reset(request):
    """重置密码 on the 账号查询 result: the account of the mobile just verified goes
    straight to 设置新密码 (within the code's lifetime; a mobile has one account)."""
    state = request.session.pop(LOOKUP_STATE, None)
    try:
        mobile = crypto.decrypt(state["mobile"])
        fresh = state["expires"] > timezone.now().timestamp()
    except (TypeError, KeyError, crypto.DecryptionError):
        mobile, fresh = None, False
    user = User.objects.filter(mobile=mobile, is_active=True).first() if fresh else None
    if user is None:
        messages.warning(request, _("账号查询已超时或已失效，请重新查询。"))
        return redirect("accounts:lookup")
    _save_state(request, user_id=user.pk, mobile=mobile, verified=True)
    return redirect("accounts:password_reset_set")


def password_reset(request):
    """忘记密码, page 1: 通过用户名 (default) or 通过手机号 (``?tab=mobile``)."""
    if request.POST.get("tab", request.GET.get("tab")) == MOBILE_TAB:
        return _reset_by_mobile(request)
    form = ResetByUsernameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if wait := _resend_wait(request):
            # Counted for this browser whatever the username: says nothing about accounts.
            form.add_error(None, _("发送过于频繁，请在%(seconds)s秒后重试。") % {"seconds": wait})
        else:
            return _send_reset_code(request, form)
    return render(request, "accounts/password_reset.html", {"form": form, "tab": "username"})


def _send_reset_code(request, form):
    # The state's clock starts before the send, so it ends no later than the code.
    expires = _expiry()
    user = form.send_code(ip=client_ip(request))
    request.session[RESET_SENT] = timezone.now().timestamp()
    _save_state(
        request,
        user_id=user.pk if user else None,
        mobile=user.mobile if user else "",
        verified=False,
        expires=expires,
    )
    # The same words, page and state shape whether or not the account exists, or whether
    # the code was held back because the mobile had one less than 60 s ago (账号查询, say):
    # the page says so for every answer, with the seconds before asking again.
    messages.info(
        request,
        _(
            "如果该账号存在且绑定了手机号，验证码已发送至其手机号，%(minutes)s分钟内有效。"
            "请输入收到的验证码。"
        )
        % {"minutes": settings.SMS_CODE_TTL_SECONDS // 60},
    )
    return redirect("accounts:password_reset_verify")


def _resend_wait(request):
    """Seconds before this browser may ask 通过用户名 for another code, or 0."""
    sent = request.session.get(RESET_SENT)
    if type(sent) not in (int, float):
        return 0
    left = sent + settings.SMS_RESEND_SECONDS - timezone.now().timestamp()
    return max(0, math.ceil(left))


def _reset_by_mobile(request):
    form = ResetByMobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _save_state(request, user_id=form.user.pk, mobile=form.user.mobile, verified=True)
        return redirect("accounts:password_reset_set")
    return render(request, "accounts/password_reset.html", {"form": form, "tab": MOBILE_TAB})


def password_reset_verify(request):
    """忘记密码, page 2 (通过用户名): the SMS code."""
    state = _load_state(request)
    if state is None:
        return redirect("accounts:password_reset")
    if state["verified"]:
        return redirect("accounts:password_reset_set")
    form = ResetCodeForm(request.POST or None, mobile=state["mobile"], misses=state["misses"])
    if request.method == "POST":
        if form.is_valid():
            _save_state(request, user_id=state["user_id"], mobile=state["mobile"], verified=True)
            return redirect("accounts:password_reset_set")
        request.session[RESET_STATE] = {**request.session[RESET_STATE], "misses": form.misses}
    return render(
        request,
        "accounts/password_reset_verify.html",
        {
            "form": form,
            "wait": _resend_wait(request),
            "resend_seconds": settings.SMS_RESEND_SECONDS,
            "daily_limit": settings.SMS_DAILY_LIMIT_PER_MOBILE,
        },
    )


def password_reset_set(request):
    """忘记密码, page 3: the new password. Other sessions end (the session auth hash changes)
    and remembered browsers are forgotten (the credential version changes); this browser,
    which has just proved the mobile and set the password, is signed in without another
    code — an auditor instead signs in again with every factor."""
    state = _load_state(request)
    if state is None:
        return redirect("accounts:password_reset")
    if not state["verified"]:
        return redirect("accounts:password_reset_verify")
    user = User.objects.filter(pk=state["user_id"], mobile=state["mobile"], is_active=True).first()
    if user is None:
        # The account changed its mobile or was stopped since the code was sent.
        return _restart(request)
    form = ResetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        del request.session[RESET_STATE]
        if second_factor.sign_in_after_proof(request, user, via="password_reset"):
            messages.success(request, _("密码已重置，您已登录。请妥善保管新密码。"))
            return redirect(settings.LOGIN_REDIRECT_URL)
        messages.success(request, _("密码已重置，请使用新密码登录。"))
        return redirect("accounts:login")
    return render(
        request,
        "accounts/password_reset_set.html",
        {"form": form, "masked_username": mask_username(user.username)},
    )


def _expiry():
    return timezone.now().timestamp() + settings.SMS_CODE_TTL_SECONDS


def _save_state(request, *, user_id, mobile, verified, expires=None):
    # The mobile is kept encrypted: sessions are stored in the database (checklist 8.1).
    request.session[RESET_STATE] = {
        "user_id": user_id,
        "mobile": crypto.encrypt(mobile),
        "verified": verified,
        "expires": expires or _expiry(),
        "misses": 0,
    }


def _load_state(request):
    """The state of this session's 忘记密码, or None after a message saying what to do."""
    state = request.session.get(RESET_STATE)
    if state is None:
        messages.info(request, _("请先填写用户名或手机号，获取短信验证码。"))
        return None
    try:
        state = {**state, "mobile": crypto.decrypt(state["mobile"])}
    except (TypeError, KeyError, AttributeError, crypto.DecryptionError):
        state = None
    if not _well_formed(state) or state["expires"] <= timezone.now().timestamp():
        _restart(request)
        return None
    return state


def _well_formed(state):
    """The shape ``_save_state`` writes: an account and its mobile, or (通过用户名 with no
    such account) neither and not verified."""
    if not isinstance(state, dict) or set(state) != _STATE_KEYS:
        return False
    user_id, mobile, verified = state["user_id"], state["mobile"], state["verified"]
    if user_id is None:
        shape_ok = mobile == "" and verified is False
    else:
        shape_ok = type(user_id) is int and _is_normalized_mobile(mobile)
    return (
        shape_ok
        and type(verified) is bool
        and type(state["expires"]) in (int, float)
        and type(state["misses"]) is int
    )


def _is_normalized_mobile(value):
    if not isinstance(value, str) or normalize_mobile(value) != value:
        return False
    try:
        validate_mobile(value)
    except ValidationError:
        return False
    return True


def _restart(request):
    request.session.pop(RESET_STATE, None)
    messages.warning(
        request,
        _("找回密码的操作已超时或已失效（验证码%(minutes)s分钟内有效），请重新开始。")
        % {"minutes": settings.SMS_CODE_TTL_SECONDS // 60},
    )
    return redirect("accounts:password_reset")
