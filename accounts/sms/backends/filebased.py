import json
import uuid
from pathlib import Path

from django.conf import settings

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes one JSON file per message into ``settings.SMS_FILE_PATH``."""

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.SMS_FILE_PATH)

    def send_messages(self, messages):
        self.file_path.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = f"{message.sent_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.json"
            payload = {
                "mobile": message.mobile,
                "text": message.text,
                "sent_at": message.sent_at.isoformat(),
            }
            (self.file_path / name).write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
        return len(messages)
