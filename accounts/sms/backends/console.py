import sys
import threading

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes every message to standard output (development)."""

    _lock = threading.Lock()

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages):
        with self._lock:
            for message in messages:
                self.stream.write(f"[短信] 发往 {message.mobile}：{message.text}\n")
            self.stream.flush()
        return len(messages)
