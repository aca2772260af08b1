"""Encryption of personal identifiers at rest (security checklist 8.1).

身份证号码 and mobiles are stored as AES-256-GCM ciphertext (authenticated: a changed or
swapped value fails to decrypt instead of reading as garbage) under ``FIELD_ENCRYPTION_KEY``,
and are found by an HMAC-SHA256 "blind index" under the separate ``FIELD_HASH_KEY``. Both
keys come from the environment (``registry.settings``), never from the database, so a copy of
the database alone reveals neither the numbers nor, by guessing, which number a row holds.

``accounts.fields.EncryptedCharField`` is the caller in the models; auditors' TOTP secrets
are sealed with the same key (``accounts.models.AuditorTOTPDevice``).
"""

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

# The stored form: this prefix, then urlsafe base64 of nonce + ciphertext + tag. The version
# in the prefix lets a later scheme coexist with rows written by this one.
PREFIX = "gcm1$"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value that cannot be decrypted with the configured key."""


def _key(setting_name):
    return base64.urlsafe_b64decode(getattr(settings, setting_name))


def encrypt(text):
    """The stored form of ``text`` (a fresh random nonce each time); '' stays ''."""
    return "" if text == "" else seal(text.encode())


def decrypt(stored):
    """The text ``encrypt`` was given. Raises ``DecryptionError`` for a value that is not
    ours, was altered, or was written under another key."""
    return "" if stored == "" else unseal(stored).decode()


def seal(data):
    """The stored form of the bytes ``data``: the prefix, then nonce + ciphertext + tag."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key("FIELD_ENCRYPTION_KEY")).encrypt(nonce, data, None)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(stored):
    """The bytes ``seal`` was given; ``DecryptionError`` as for ``decrypt``."""
    if not stored.startswith(PREFIX):
        raise DecryptionError(f"存储的值未加密或格式不正确（应以 {PREFIX} 开头）。")
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        return AESGCM(_key("FIELD_ENCRYPTION_KEY")).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None
        )
    except (InvalidTag, ValueError) as error:
        raise DecryptionError(
            "无法解密存储的个人信息：FIELD_ENCRYPTION_KEY 与加密时使用的密钥不一致，"
            "或数据已被改动。"
        ) from error


def blind_index(text):
    """HMAC-SHA256 of ``text`` under ``FIELD_HASH_KEY`` (64 hex digits); '' stays '' so that
    "no value" is not one shared hash. Equal texts give equal indexes: what uniqueness and
    lookup compare."""
    if text is None or text == "":
        return ""
    return hmac.new(_key("FIELD_HASH_KEY"), str(text).encode(), hashlib.sha256).hexdigest()
