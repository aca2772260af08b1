"""记住此浏览器: fewer SMS codes for the same person in the same browser (issue 18 item 2).

After the right password and SMS code on 登录验证 (or 手机号登录's code and password), a
ticked "记住此浏览器" stores a ``RememberedBrowser`` row and gives the browser a cookie. For
``REMEMBER_BROWSER_DAYS`` (7) days, a 账号登录 in that browser with the right password (and
captcha, and lockout, as always) signs in without a new code.

The cookie is ``django.core.signing`` data under its own salt, timestamped (``dumps`` uses
``TimestampSigner``) and refused past its age: the account id, a random token (only its
SHA-256 is stored) and the account's credential version, an HMAC of its password hash and
mobile. A cookie is accepted only for the account that is signing in, with an unexpired row
for its token and the version the account has now. So a new password (修改密码, 忘记密码,
admin) or 更换手机号 revokes every remembered browser twice over: the version no longer
matches, and ``forget_outdated_browsers`` deletes the rows. Stopping an account (停用) deletes
all of its rows, so a restored account starts with none. 退出所有设备 in 个人中心 deletes them
too.

Auditors (staff) are never remembered: every sign-in of theirs asks for every factor.
"""

import hashlib
import ipaddress
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import RememberedBrowser, User
from .throttling import client_ip

_SALT = "accounts.remembered.cookie"
_VERSION_SALT = "accounts.remembered.version"
# The fields of User whose change revokes remembered browsers.
_CREDENTIAL_FIELDS = frozenset({"password", "mobile", "mobile_hash", "is_active"})


def may_remember(user):
    """Is ``user`` offered 记住此浏览器, and may a remembered browser spare them the SMS code?
    Never an auditor (staff), never a stopped account, and not when turned off."""
    return settings.REMEMBER_BROWSER_DAYS > 0 and user.is_active and not user.is_staff


def browser_version(user):
    """The account's credential version: changes with its password hash or its mobile."""
    value = f"{user.password}\x00{user.mobile or ''}"
    return salted_hmac(_VERSION_SALT, value, algorithm="sha256").hexdigest()


def remember_browser(*, request, response, user):
    """Remember the browser of ``request`` for ``user`` (who has just proved the password and
    an SMS code): store the row and set the cookie on ``response``. Returns the row."""
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=settings.REMEMBER_BROWSER_DAYS)
    # Rows past their time are of no use to anyone; they go whenever a browser is remembered.
    RememberedBrowser.objects.filter(expires_at__lte=now).delete()
    # The stored credentials, not this instance's: a sign-in may have rehashed the password
    # through another instance of the account.
    stored = User.objects.get(pk=user.pk)
    browser = RememberedBrowser.objects.create(
        user=user,
        token_hash=_token_hash(token),
        version=browser_version(stored),
        created_at=now,
        expires_at=now + lifetime,
        browser=browser_summary(request.headers.get("User-Agent", "")),
        ip=client_ip(request) or None,
    )
    value = signing.dumps(
        {"u": user.pk, "t": token, "v": browser.version}, salt=_SALT, compress=False
    )
    response.set_cookie(
        settings.REMEMBER_BROWSER_COOKIE_NAME,
        value,
        max_age=int(lifetime.total_seconds()),
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return browser


def recognised_browser(*, request, user):
    """The ``RememberedBrowser`` row of this request's cookie if it remembers ``user`` now,
    else None: a missing, tampered or expired cookie, another account's cookie, a cookie from
    before a new password or mobile, or a row that was revoked or has expired."""
    if not may_remember(user):
        return None
    data = _read_cookie(request)
    if data is None or data["u"] != user.pk:
        return None
    version = browser_version(user)
    if not constant_time_compare(data["v"], version):
        return None
    return RememberedBrowser.objects.filter(
        user=user,
        token_hash=_token_hash(data["t"]),
        version=version,
        expires_at__gt=timezone.now(),
    ).first()


def use_browser(browser):
    """Note that ``browser`` just spared its account an SMS code."""
    browser.last_used_at = timezone.now()
    RememberedBrowser.objects.filter(pk=browser.pk).update(last_used_at=browser.last_used_at)


def browsers_of(*, request, user):
    """The account's remembered browsers that still work, newest first, for 个人中心: each
    with ``is_current`` (the browser asking) and ``masked_ip``."""
    data = _read_cookie(request)
    current = _token_hash(data["t"]) if data and data["u"] == user.pk else None
    browsers = list(
        RememberedBrowser.objects.filter(
            user=user, version=browser_version(user), expires_at__gt=timezone.now()
        )
    )
    for browser in browsers:
        browser.is_current = browser.token_hash == current
        browser.masked_ip = mask_ip(browser.ip)
    return browsers


def forget_browsers(*, user):
    """Forget every remembered browser of ``user`` (退出所有设备); returns how many."""
    deleted, _ = RememberedBrowser.objects.filter(user=user).delete()
    return deleted


def drop_cookie(response):
    response.delete_cookie(settings.REMEMBER_BROWSER_COOKIE_NAME, path="/", samesite="Lax")


def forget_outdated_browsers(sender, instance, created, update_fields=None, **kwargs):
    """post_save of User, whichever path saved it (修改密码, 忘记密码, 更换手机号, 本单位用户
    停用, admin): a stopped account forgets all its browsers, an account with a new password
    or mobile those remembered under the old ones. A signal, like ``end_sessions_of_stopped_user``:
    the rows are derived from the account's credentials and must follow every change of them."""
    if created or (update_fields is not None and not _CREDENTIAL_FIELDS & set(update_fields)):
        return
    browsers = RememberedBrowser.objects.filter(user=instance)
    if instance.is_active:
        browsers = browsers.exclude(version=browser_version(instance))
    browsers.delete()


def browser_summary(user_agent):
    """A short name such as "Chrome 122 · Windows" from a User-Agent header: enough for a
    person to recognise the browser in 个人中心; nothing more of the header is kept."""
    user_agent = user_agent or ""
    name = next(
        (
            f"{label} {match.group(1)}".strip()
            for label, pattern in _BROWSERS
            if (match := re.search(pattern, user_agent))
        ),
        "",
    )
    system = next((label for label, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    return " · ".join(part for part in (name, system) if part)[:100] or "未知浏览器"


def mask_ip(value):
    """10.1.*.* or 2001:db8:*: the network a person recognises, not the machine."""
    if not value:
        return ""
    address = ipaddress.ip_address(value)
    if address.version == 4:
        return ".".join(str(address).split(".")[:2] + ["*", "*"])
    return ":".join(address.exploded.split(":")[:2] + ["*"])


# Order matters: Edge and the Chinese browsers also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("360浏览器", r"(?:QIHU|360SE|360EE)()"),
    ("QQ浏览器", r"QQBrowser/(\d+)"),
    ("搜狗浏览器", r"(?:MetaSr|SogouMobileBrowser)()"),
    ("微信", r"MicroMessenger/(\d+)"),
    ("Firefox", r"Firefox/(\d+)"),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)[\d.]* (?:Mobile/\S+ )?Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("Windows", r"Windows"),
    ("macOS", r"Macintosh|Mac OS X"),
    ("Linux", r"Linux|X11"),
)


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _read_cookie(request):
    """The cookie's data if its signature is ours and it is younger than the lifetime."""
    value = request.COOKIES.get(settings.REMEMBER_BROWSER_COOKIE_NAME)
    if not value:
        return None
    try:
        data = signing.loads(
            value, salt=_SALT, max_age=timedelta(days=settings.REMEMBER_BROWSER_DAYS)
        )
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not (
        isinstance(data, dict)
        and set(data) == {"u", "t", "v"}
        and type(data["u"]) is int
        and isinstance(data["t"], str)
        and isinstance(data["v"], str)
    ):
        return None
    return data
