"""Sending text messages through a pluggable backend, like ``django.core.mail``.

``settings.SMS_BACKEND`` names a class with ``send_messages(messages) -> int``. Backends for
development and tests live in ``accounts.sms.backends``; the production provider adapter is
``accounts.sms.backends.aliyun``. One-time verification codes are in ``accounts.sms.codes``.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .backends.base import SmsSendError

__all__ = ["SmsMessage", "SmsSendError", "get_backend", "send_sms"]


@dataclass(frozen=True)
class SmsMessage:
    """One message. ``text`` is the full wording (console, file, tests); ``params`` are the
    variables of the provider's approved template, e.g. ``{"code": "123456"}``, for
    providers that send templates rather than free text."""

    mobile: str
    text: str
    params: dict = field(default_factory=dict)
    sent_at: object = field(default_factory=timezone.now)


def get_backend(backend=None, **kwargs):
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


def send_sms(mobile, text, *, params=None, backend=None):
    """Send one message; returns the number of messages the backend accepted (0 or 1).

    Raises ``SmsSendError`` when the backend could not deliver it to the provider.
    """
    message = SmsMessage(mobile=mobile, text=text, params=dict(params or {}))
    return get_backend(backend).send_messages([message])
