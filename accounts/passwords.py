"""Password policy (security checklist 1.7, A12): character classes, no reuse, expiry.

Length, common passwords and likeness to the account are Django's own validators; the rules
here join them in ``AUTH_PASSWORD_VALIDATORS``, so every form that sets a password — 用户注册,
账号激活, 忘记密码, 修改密码 and the admin's — applies all of them through
``password_validation.validate_password``. The values come from settings (README, 密码策略).
"""

import string
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

_CLASSES = (set(string.ascii_lowercase), set(string.ascii_uppercase), set(string.digits))
_LETTERS_AND_DIGITS = set().union(*_CLASSES)


def character_classes(password):
    """How many of the four classes (lower case, upper case, digits, symbols) it uses;
    anything that is not an ASCII letter or digit counts as a symbol."""
    used = sum(1 for chars in _CLASSES if any(c in chars for c in password))
    return used + (1 if any(c not in _LETTERS_AND_DIGITS for c in password) else 0)


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少%(min)s类。"),
                code="password_too_simple",
                params={"min": self.min_classes},
            )

    def get_help_text(self):
        return _("须包含大写字母、小写字母、数字、符号中的至少%(min)s类。") % {
            "min": self.min_classes
        }


class PasswordHistoryValidator:
    """Not one of the account's last ``remember`` passwords (the current one included).

    The history it reads is written by ``record_password`` (from ``User.save``), for every
    password an account gets, its first included; the newest row also dates the password
    for ``password_expired``.
    """

    def __init__(self, remember=5):
        self.remember = remember

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.remember <= 0:
            return
        fingerprint = getattr(user, "checked_password", None)
        if fingerprint is not None and constant_time_compare(
            fingerprint, password_fingerprint(password)
        ):
            self._refuse()
        hashes = self._hashes(user, current_checked=fingerprint is not None)
        if any(check_password(password, encoded) for encoded in hashes):
            self._refuse()

    def _refuse(self):
        raise ValidationError(
            _("新密码不能与最近%(count)s次使用过的密码相同。"),
            code="password_reused",
            params={"count": self.remember},
        )

    def _hashes(self, user, *, current_checked):
        """The stored hashes of the last ``remember`` passwords to compare, each once.

        Every check costs a full password hash (about 0.13 s with Argon2), so none is made
        twice: the newest history row is normally the current password itself
        (``record_password`` wrote it; ``User.check_password`` keeps it in step when a
        sign-in rehashes the password), and the current hash only adds a check when the
        history does not hold it (an account from before the history existed). When
        ``current_checked`` (the fingerprint already compared it), it is left out."""
        from .models import PasswordHistory

        recent = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")
        hashes = list(recent.values_list("password", flat=True)[: self.remember])
        current = user.password if user.password and user.has_usable_password() else None
        if current and current not in hashes:
            hashes = [current, *hashes[: self.remember - 1]]
        if current_checked:
            hashes = [encoded for encoded in hashes if encoded != current]
        return list(dict.fromkeys(hashes))

    def get_help_text(self):
        return _("不能与最近%(count)s次使用过的密码相同。") % {"count": self.remember}


def record_password(user):
    """Record ``user``'s current password hash as set now: the newest history row dates the
    password (expiry) and the reuse rule compares with it. Called by ``User.save`` whenever
    a password is set, the first one of a new account included; keeps only the rows the
    rule reads (``PASSWORD_HISTORY_COUNT``), so the table stays small."""
    from .models import PasswordHistory

    PasswordHistory.objects.create(user=user, password=user.password)
    keep = max(settings.PASSWORD_HISTORY_COUNT, 1)
    stale = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()


def password_fingerprint(raw_password):
    """A keyed HMAC of a password that was just checked, kept on the user instance in memory
    (``User.check_password``) for the reuse rule; never stored."""
    return salted_hmac("accounts.passwords.checked", raw_password, algorithm="sha256").hexdigest()


def password_set_at(user):
    """When the current password was set (the newest history row), or None."""
    from .models import PasswordHistory

    return (
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )


def password_expires_at(user):
    """When this account's password expires: ``PASSWORD_MAX_AGE_DAYS`` after it was set, or
    None (expiry off, no usable password, or no dated password — the migration dated every
    password in use, so that is only an account without one)."""
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if not max_age or not user.has_usable_password():
        return None
    set_at = password_set_at(user)
    return set_at + timedelta(days=max_age) if set_at else None


def password_expired(user, now=None):
    """Is this account's password older than ``PASSWORD_MAX_AGE_DAYS``?"""
    expires_at = password_expires_at(user)
    return expires_at is not None and (now or timezone.now()) > expires_at
