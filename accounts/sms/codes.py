"""One-time SMS verification codes: sending limits, storage and single use.

Every flow that proves someone holds a mobile — 用户注册, 手机号登录, 账号查询, 忘记密码,
更换手机号, 单位注册, 账号激活 — calls ``send_code`` and later ``verify_code`` with its own
purpose; a code works only for the mobile and purpose it was sent for (security checklist
1.5, 1.6; SPEC §6).

Neither function looks at accounts. A flow calls ``send_code`` whether or not an account uses
the mobile (the message reaches only whoever holds the mobile), and then every answer here is
the same for a mobile with an account and one without: nothing tells a stranger which mobiles
are registered (checklist 1.3).

Two budgets (issue 19 item 3). A 登录验证 code (``LOGIN_2FA``) goes only to an account's own
mobile and only after its right password, so only the password holder can cause one; every
other purpose can be asked for any mobile by anyone (忘记密码 by username, 账号查询, 手机号登录,
用户注册, 单位注册, 账号激活, 更换手机号). Each budget has its own daily cap per mobile, its own
per-address caps and its own 60 s pacing, so the codes a stranger causes never use up — or
hold back — the owner's sign-in; and the stranger's budget is the smaller one.

All state is in ``SmsCode`` rows, so the limits hold across every gunicorn worker.
"""

import hashlib
import logging
import math
import secrets
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

import audit
from accounts.models import SmsCode
from accounts.validators import mask_mobile, normalize_mobile, validate_mobile

from . import send_sms
from .backends.base import SmsSendError

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


# Purposes only the account's password holder can cause: the sign-in budget.
SIGN_IN_PURPOSES = frozenset({SmsCode.Purpose.LOGIN_2FA})


class SmsCodeError(Exception):
    """A refused send or verification. ``message`` is Chinese, fit to show the user, and says
    nothing about whether an account uses the mobile."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def send_code(*, mobile, purpose, ip, now=None):
    """Send a fresh 6-digit code for ``purpose`` to ``mobile``, asked for from address ``ip``.

    Guarantees, or ``SmsCodeError`` and nothing stored or sent:

    - the mobile is a valid mainland mobile (normalized, so '+86 138-0013-8000' is accepted);
    - within the purpose's budget (``SIGN_IN_PURPOSES`` or all the others; the other
      budget's codes are not counted): at most one code per mobile every
      ``SMS_RESEND_SECONDS``; at most ``SMS_DAILY_LIMIT_PER_MOBILE`` (codes anyone can ask
      for) or ``SMS_SIGN_IN_DAILY_LIMIT_PER_MOBILE`` (登录验证) per mobile, and
      ``SMS_DAILY_LIMIT_PER_IP`` per address, in one Asia/Shanghai calendar day; at most
      ``SMS_BURST_LIMIT_PER_IP`` per address in ``SMS_BURST_WINDOW_SECONDS``;
    - these hold under concurrent requests (see ``_serialize_sends``).

    On success the earlier unused codes for this mobile and purpose stop working, only a hash
    of the new code is stored, and the message is handed to the SMS backend once the
    transaction commits. If the backend fails at that point, the row stays (the provider was
    asked, so it counts toward the limits) and ``SmsCodeError`` is raised here when this call
    owns the transaction; inside a caller's transaction the backend's ``SmsSendError``
    (Chinese message) is raised from the caller's commit instead.
    """
    purpose = SmsCode.Purpose(purpose)
    mobile = _clean_mobile(mobile)
    now = now or timezone.now()
    code = _new_code()
    try:
        with transaction.atomic():
            _serialize_sends(mobile=mobile, ip=ip)
            # Earlier codes stop working now. On SQLite, this write is also what makes a
            # concurrent sender wait for our commit before it counts (see _serialize_sends).
            SmsCode.objects.filter(
                mobile=mobile, purpose=purpose, used_at__isnull=True, expires_at__gt=now
            ).update(expires_at=now)
            _check_limits(mobile=mobile, ip=ip, now=now, purpose=purpose)
            SmsCode.objects.create(
                mobile=mobile,
                purpose=purpose,
                code_hash=_hash_code(mobile=mobile, purpose=purpose, code=code),
                created_at=now,
                expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
                sender_ip=ip or None,
            )
            text = _message_text(code=code, purpose=purpose)
            transaction.on_commit(partial(send_sms, mobile, text, params={"code": code}))
    except SmsSendError as exc:
        logger.warning("SMS code for %s (%s) was not delivered", mask_mobile(mobile), purpose)
        audit.record(None, audit.Action.SMS_SENT, outcome="failure", purpose=purpose)
        raise SmsCodeError(_("短信发送失败，请稍后重试。")) from exc
    logger.info("SMS code sent to %s for %s from %s", mask_mobile(mobile), purpose, ip)
    audit.record(None, audit.Action.SMS_SENT, purpose=purpose)


def verify_code(*, mobile, purpose, code, now=None):
    """Check ``code`` for ``mobile`` and ``purpose`` and use it up.

    Only the latest code sent for this mobile and purpose can succeed, once, within
    ``SMS_CODE_TTL_SECONDS`` and before ``SMS_CODE_MAX_ATTEMPTS`` wrong tries; the try that
    reaches that number burns it. Otherwise ``SmsCodeError`` is raised. Two concurrent
    verifications of one code cannot both succeed.

    A wrong try is counted in the database even though this function raises. A caller that
    wraps this call in its own transaction must therefore catch ``SmsCodeError`` inside that
    transaction: letting it propagate out of ``atomic`` would roll the count back and allow
    unlimited guessing.
    """
    purpose = SmsCode.Purpose(purpose)
    mobile = normalize_mobile(mobile)
    code = unicodedata.normalize("NFKC", str(code or "")).strip()
    now = now or timezone.now()
    with transaction.atomic():
        latest = (
            SmsCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        refusal = _use_code(latest, mobile=mobile, purpose=purpose, code=code, now=now)
    # Raised outside the atomic block, so that the counted wrong try is committed.
    if refusal:
        logger.info("SMS code refused for %s (%s)", mask_mobile(mobile), purpose)
        audit.record(None, audit.Action.SMS_CODE_FAILED, outcome="failure", purpose=purpose)
        raise SmsCodeError(refusal)


def _use_code(row, *, mobile, purpose, code, now):
    """Under the row lock: the refusal message, or None once the code is marked used."""
    max_attempts = settings.SMS_CODE_MAX_ATTEMPTS
    wrong = _("验证码错误，请核对后重新输入。")
    too_many = _("验证码错误次数过多，请重新获取。")
    used = _("该验证码已使用，请重新获取。")
    if row is None:
        # The same answer as a wrong code: nothing shows whether a code was ever sent.
        return wrong
    if row.used_at is not None:
        return used
    if row.attempts >= max_attempts:
        return too_many
    if row.expires_at <= now:
        return _("验证码已过期，请重新获取。")
    if not constant_time_compare(
        row.code_hash, _hash_code(mobile=mobile, purpose=purpose, code=code)
    ):
        SmsCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return too_many if row.attempts + 1 >= max_attempts else wrong
    # The WHERE clause makes using the code atomic even where SELECT … FOR UPDATE is a no-op
    # (SQLite): of two concurrent verifications only one UPDATE matches the row.
    consumed = SmsCode.objects.filter(
        pk=row.pk, used_at__isnull=True, attempts__lt=max_attempts
    ).update(used_at=now)
    return None if consumed else used


def _new_code():
    """Six digits from the operating system's CSPRNG (about 20 bits)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _clean_mobile(mobile):
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        raise SmsCodeError(exc.messages[0]) from None
    return normalize_mobile(mobile)


def _hash_code(*, mobile, purpose, code):
    """HMAC-SHA256 keyed with SECRET_KEY over mobile, purpose and code.

    Not ``make_password``: a 6-digit code has only a million values, so a slow salted hash
    would not stop anyone who has the row from trying them all, while its PBKDF2 cost
    (about 0.3 s per check) would let anyone who posts codes burn server CPU. The secret
    key is what protects a leaked table: without it the hashes cannot be tested at all.
    Mobile and purpose are part of the message, so a row is worthless for any other pair.
    """
    value = f"{mobile}:{purpose}:{code}"
    return salted_hmac("accounts.sms.codes", value, algorithm="sha256").hexdigest()


def _serialize_sends(*, mobile, ip):
    """Make concurrent sends to one mobile, or from one address, take turns until commit.

    The limits are checked by counting rows, which two transactions could otherwise both do
    before either inserts its row. On PostgreSQL a transaction-scoped advisory lock per
    mobile and per address makes a second sender wait until the first commits or rolls
    back; its count, a new statement under READ COMMITTED, then sees the first row. Unlike
    SELECT … FOR UPDATE this needs no existing row (there is none on a mobile's first send).
    Locks are always taken mobile first, address second, so two senders cannot deadlock.

    SQLite, the single-machine trial setup, runs one writing transaction at a time:
    ``send_code`` begins with a write, so a concurrent sender waits there for our commit.
    """
    if connection.vendor != "postgresql":
        return
    keys = [f"mobile:{mobile}"] + ([f"ip:{ip}"] if ip else [])
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])


def _lock_id(key):
    digest = hashlib.sha256(f"accounts.sms.codes:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _budget(purpose):
    """The codes that count toward ``purpose``'s limits: those of its own budget."""
    if purpose in SIGN_IN_PURPOSES:
        return SmsCode.objects.filter(purpose__in=SIGN_IN_PURPOSES)
    return SmsCode.objects.exclude(purpose__in=SIGN_IN_PURPOSES)


def _daily_limit_per_mobile(purpose):
    if purpose in SIGN_IN_PURPOSES:
        return settings.SMS_SIGN_IN_DAILY_LIMIT_PER_MOBILE
    return settings.SMS_DAILY_LIMIT_PER_MOBILE


def _check_limits(*, mobile, ip, now, purpose):
    codes = _budget(purpose)
    local_now = timezone.localtime(now, timezone.get_default_timezone())
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    limit = _daily_limit_per_mobile(purpose)
    if codes.filter(mobile=mobile, created_at__gte=day_start).count() >= limit:
        raise SmsCodeError(
            _("该手机号今日获取验证码的次数已达上限（%(limit)s次），请明天再试。")
            % {"limit": limit}
        )
    if (
        ip
        and codes.filter(sender_ip=ip, created_at__gte=day_start).count()
        >= settings.SMS_DAILY_LIMIT_PER_IP
    ):
        raise SmsCodeError(_("当前网络今日获取验证码的次数已达上限，请明天再试。"))
    if ip:
        _check_address_burst(codes, ip=ip, now=now)
    window = timedelta(seconds=settings.SMS_RESEND_SECONDS)
    last = (
        codes.filter(mobile=mobile, created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None:
        wait = max(1, math.ceil((last + window - now).total_seconds()))
        raise SmsCodeError(_("发送过于频繁，请在%(seconds)s秒后重试。") % {"seconds": wait})


def _check_address_burst(codes, *, ip, now):
    """At most ``SMS_BURST_LIMIT_PER_IP`` of ``codes`` from one address in the last
    ``SMS_BURST_WINDOW_SECONDS`` (0: no such cap), so that a script cannot spend at once the
    daily allowance of an address that a whole hospital may share behind NAT."""
    limit = settings.SMS_BURST_LIMIT_PER_IP
    if not limit:
        return
    window = timedelta(seconds=settings.SMS_BURST_WINDOW_SECONDS)
    recent = codes.filter(sender_ip=ip, created_at__gt=now - window)
    count = recent.count()
    if count < limit:
        return
    # Sending resumes once enough of these codes have left the window.
    freed_at = recent.order_by("created_at").values_list("created_at", flat=True)[count - limit]
    wait = max(1, math.ceil((freed_at + window - now).total_seconds()))
    raise SmsCodeError(
        _("当前网络获取验证码过于频繁，请在%(seconds)s秒后重试。") % {"seconds": wait}
    )


def _message_text(*, code, purpose):
    minutes = max(1, settings.SMS_CODE_TTL_SECONDS // 60)
    return _(
        "【中国脑血管病登记平台】您的验证码为%(code)s，用于%(purpose)s，"
        "%(minutes)s分钟内有效。如非本人操作，请忽略本短信。"
    ) % {"code": code, "purpose": SmsCode.Purpose(purpose).label, "minutes": minutes}
