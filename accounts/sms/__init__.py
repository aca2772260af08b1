"""Sending text messages through a pluggable backend, like ``django.core.mail``.

``settings.SMS_BACKEND`` names a class with ``send_messages(messages) -> int``. Backends for
development and tests live in ``accounts.sms.backends``; a production provider adapter is a
further backend class configured from the environment.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    text: str
    sent_at: object = field(default_factory=timezone.now)


def get_backend(backend=None, **kwargs):
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


def send_sms(mobile, text, *, backend=None):
    """Send one message; returns the number of messages the backend accepted (0 or 1)."""
    return get_backend(backend).send_messages([SmsMessage(mobile=mobile, text=text)])
