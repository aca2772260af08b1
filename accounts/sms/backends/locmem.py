from .base import BaseSmsBackend

# Messages sent through this backend, newest last; tests read and clear it.
outbox = []


class SmsBackend(BaseSmsBackend):
    """Keeps messages in ``accounts.sms.backends.locmem.outbox`` (tests)."""

    def send_messages(self, messages):
        outbox.extend(messages)
        return len(messages)
