import datetime
import json
import uuid
from pathlib import Path

from django.conf import settings

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes one JSON file per message into ``settings.SMS_FILE_PATH`` (development).

    File names start with the sending time to the microsecond, so that sorting the names
    sorts the messages (``read_outbox``).
    """

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.SMS_FILE_PATH)

    def send_messages(self, messages):
        self.file_path.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = f"{message.sent_at:%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.json"
            payload = {
                "mobile": message.mobile,
                "text": message.text,
                "sent_at": message.sent_at.isoformat(),
            }
            (self.file_path / name).write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
        return len(messages)


def read_outbox(file_path, *, limit):
    """The latest ``limit`` messages written into ``file_path``, newest first, as dicts with
    ``mobile``, ``text`` and an aware ``sent_at``. Files that are not such messages are
    skipped; a missing folder is an empty outbox."""
    folder = Path(file_path)
    if not folder.is_dir():
        return []
    messages = []
    for path in sorted(folder.glob("*.json"), reverse=True):
        try:
            payload = json.loads(path.read_text("utf-8"))
            sent_at = datetime.datetime.fromisoformat(payload["sent_at"])
            messages.append(
                {"mobile": payload["mobile"], "text": payload["text"], "sent_at": sent_at}
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if len(messages) == limit:
            break
    return messages
