import abc


class SmsSendError(Exception):
    """The provider refused the message or could not be reached; the message is Chinese and
    carries neither the code nor the full mobile."""


class BaseSmsBackend(abc.ABC):
    """Subclasses implement ``send_messages`` and return how many messages were sent."""

    def __init__(self, fail_silently=False, **kwargs):
        self.fail_silently = fail_silently

    @abc.abstractmethod
    def send_messages(self, messages):
        """Send a list of ``SmsMessage``; return the number sent."""
