"""Who is asking, and how often: client address, login lockout page, captcha challenges."""

import ipaddress
import secrets

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.shortcuts import render
from django.utils import timezone

# No 0/O, 1/I/L: characters a clerk cannot confuse on a distorted image.
_CAPTCHA_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the address the trusted proxies report.

    With ``TRUSTED_PROXY_COUNT`` proxies in front of the platform, the client is the entry
    that many places from the right of X-Forwarded-For (each proxy appends the address it
    was reached from); anything further left was written by the client and is not trusted.
    The same address serves django-axes (``AXES_CLIENT_IP_CALLABLE``), the rate limits, the
    SMS caps and the audit log. An entry that is not an IP address (a proxy set up wrongly)
    is not used: the proxy's own address is, so limits err on the strict side.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def lockout_until(request, credentials=None):
    """When the lock on this request's username or address ends (None if not locked)."""
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials)
    since = timezone.now() - cool_off
    match = Q(ip_address=client_ip(request))
    if username:
        match |= Q(username=username)
    last = (
        AccessAttempt.objects.filter(match, attempt_time__gte=since)
        .aggregate(last=Max("attempt_time"))
        .get("last")
    )
    return last + cool_off if last else None


def lockout_response(request, original_response=None, credentials=None):
    """The Chinese lockout page (django-axes' own text is English only)."""
    return render(
        request,
        "accounts/locked_out.html",
        {
            "until": lockout_until(request, credentials),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(get_cool_off(request).total_seconds() // 60),
        },
        status=429,
    )


def captcha_challenge():
    """A 4-character image-captcha challenge drawn with ``secrets``; the answer is lower case
    because django-simple-captcha compares answers in lower case."""
    text = "".join(secrets.choice(_CAPTCHA_ALPHABET) for _ in range(settings.CAPTCHA_LENGTH))
    return text, text.lower()
