"""登录验证 (the second step after 账号登录 or 手机号登录) and 动态口令 for auditors."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from accounts.models import AuditorTOTPDevice
from registry.context_processors import url_if_built

from .. import remembered, second_factor
from ..forms.remembered import RememberBrowserForm
from ..forms.second_factor import PasswordSecondFactorForm, SmsSecondFactorForm, TotpForm
from ..otp import confirm_enrolment
from ..second_factor import Factor
from ..throttling import client_ip
from ..validators import mask_mobile

RESEND = "resend"
OTP_MISSES = "otp_misses"


@never_cache
def login_verify(request):
    """登录验证: the factor the pending sign-in still owes; signs in once it is right."""
    pending = second_factor.load(request)
    if pending is None:
        messages.warning(request, _("登录验证已超时或已失效，请重新登录。"))
        return redirect("accounts:login")
    state, user = pending
    factor = state["factor"]
    if request.method == "POST" and factor == Factor.SMS and request.POST.get("action") == RESEND:
        message, sent = second_factor.send_login_code(user, ip=client_ip(request))
        (messages.success if sent else messages.warning)(request, message)
        return redirect("accounts:login_verify")
    data = request.POST if request.method == "POST" else None
    device = second_factor.confirmed_totp_device(user) if factor == Factor.TOTP else None
    if factor == Factor.SMS:
        form = SmsSecondFactorForm(data, user=user)
    elif factor == Factor.TOTP:
        form = TotpForm(data, user=user, device=device)
    else:
        form = PasswordSecondFactorForm(data, request=request, user=user)
    # 记住此浏览器: offered where this sign-in proves both the password and an SMS code.
    remember_form = (
        RememberBrowserForm(data)
        if factor in (Factor.SMS, Factor.PASSWORD) and remembered.may_remember(user)
        else None
    )
    if data is not None:
        if form.is_valid():
            remember = remember_form is not None and remember_form.ticked
            if remember:
                user.login_audit_detail = {"remember_browser": True}
            response = redirect(second_factor.complete(request, user, state, otp_device=device))
            if remember:
                remembered.remember_browser(request=request, response=response, user=user)
            return response
        if second_factor.count_miss(request, state):
            messages.error(request, _("验证失败次数过多，请重新登录。"))
            return redirect("accounts:login")
    return render(
        request,
        "accounts/login_verify.html",
        {
            "form": form,
            "remember_form": remember_form,
            "factor": factor,
            "masked_mobile": mask_mobile(user.mobile),
            "debug_sms_outbox": url_if_built("accounts:sms_outbox") if settings.DEBUG else None,
        },
    )


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


@never_cache
@login_required
def otp(request):
    """动态口令 for auditors: enrol an authenticator app (first time) or enter its code.

    Until this succeeds in the current session, an auditor reaches nothing else
    (``accounts.middleware``), the admin included."""
    user = request.user
    if not user.is_staff:
        raise Http404
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    device = second_factor.confirmed_totp_device(user)
    enrolling = device is None
    if enrolling:
        device = _draft_device(user)
    form = TotpForm(request.POST or None, user=user, device=device)
    if request.method == "POST":
        if form.is_valid():
            if enrolling:
                confirm_enrolment(device)
                messages.success(
                    request, _("身份验证器已绑定。今后登录审核后台时请输入其动态口令。")
                )
            otp_login(request, device)
            request.session.pop(OTP_MISSES, None)
            return redirect(next_url)
        misses = request.session.get(OTP_MISSES, 0) + 1
        if misses >= settings.LOGIN_SECOND_FACTOR_MAX_ATTEMPTS:
            logout(request)
            messages.error(request, _("动态口令错误次数过多，请重新登录。"))
            return redirect("accounts:login")
        request.session[OTP_MISSES] = misses
    return render(
        request,
        "accounts/otp.html",
        {
            "form": form,
            "enrolling": enrolling,
            "secret": _spaced(b32encode(device.bin_key).decode()) if enrolling else "",
            "next": next_url,
        },
    )


@never_cache
@login_required
def otp_qr(request):
    """The QR code of the auditor's not yet confirmed authenticator, as SVG (no id: only
    one's own draft device is ever drawn)."""
    user = request.user
    if not user.is_staff:
        raise Http404
    device = AuditorTOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None or second_factor.confirmed_totp_device(user):
        raise Http404
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


def _draft_device(user):
    device = AuditorTOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or AuditorTOTPDevice.objects.create(
        user=user, name=_("身份验证器"), confirmed=False
    )


def _spaced(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
