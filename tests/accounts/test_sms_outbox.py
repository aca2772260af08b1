"""开发短信箱: with DEBUG on, the messages the file backend wrote, for trying every SMS flow."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.sms import SmsMessage, send_sms
from accounts.sms.backends.filebased import SmsBackend as FileBackend
from tests.registry.test_settings import PRODUCTION_ENV

BASE_DIR = Path(__file__).resolve().parents[2]
FILE_BACKEND = "accounts.sms.backends.filebased.SmsBackend"
URL = reverse("accounts:sms_outbox")


@pytest.fixture
def dev_mode(settings, tmp_path):
    settings.DEBUG = True
    settings.SMS_BACKEND = FILE_BACKEND
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return settings


def at(hour, minute=0, second=0):
    return datetime.datetime(2026, 3, 2, hour, minute, second, tzinfo=datetime.UTC)


def test_outbox_is_404_when_debug_is_off(client, dev_mode):
    dev_mode.DEBUG = False
    send_sms("13800138000", "您的验证码为123456")

    assert client.get(URL).status_code == 404


def test_outbox_lists_a_sent_message_without_login(client, dev_mode):
    send_sms("13800138000", "【中国脑血管病登记平台】您的验证码为123456")

    response = client.get(URL)

    assert response.status_code == 200
    assert "13800138000" in response.text
    assert "【中国脑血管病登记平台】您的验证码为123456" in response.text


def test_outbox_says_it_is_for_development_only(client, dev_mode):
    assert "仅开发模式可见" in client.get(URL).text


def test_outbox_shows_shanghai_time(client, dev_mode):
    FileBackend().send_messages([SmsMessage("13800138000", "短信", sent_at=at(1, 2, 3))])

    assert "2026-03-02 09:02:03" in client.get(URL).text


def test_outbox_lists_newest_first(client, dev_mode):
    FileBackend().send_messages(
        [
            SmsMessage("13800138000", "较早的短信", sent_at=at(1)),
            SmsMessage("13800138000", "最新的短信", sent_at=at(3)),
            SmsMessage("13800138000", "中间的短信", sent_at=at(2)),
        ]
    )

    texts = [m["text"] for m in client.get(URL).context["sms_messages"]]

    assert texts == ["最新的短信", "中间的短信", "较早的短信"]


def test_outbox_lists_the_latest_50(client, dev_mode):
    FileBackend().send_messages(
        [SmsMessage("13800138000", f"短信{n}", sent_at=at(1, n)) for n in range(51)]
    )

    listed = client.get(URL).context["sms_messages"]

    assert (len(listed), listed[0]["text"], listed[-1]["text"]) == (50, "短信50", "短信1")


def test_outbox_skips_files_that_are_not_messages(client, dev_mode):
    dev_mode.SMS_FILE_PATH.mkdir(parents=True)
    (dev_mode.SMS_FILE_PATH / "99999999-broken.json").write_text("{not json", "utf-8")
    send_sms("13800138000", "完好的短信")

    assert [m["text"] for m in client.get(URL).context["sms_messages"]] == ["完好的短信"]


def test_outbox_warns_when_another_backend_is_active(client, dev_mode):
    dev_mode.SMS_BACKEND = "accounts.sms.backends.console.SmsBackend"

    assert "不是文件后端" in client.get(URL).text


# The backend is chosen in settings.py: a fresh interpreter shows what an operator gets.


def _python(code, env):
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("SMS_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "registry.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRINT_BACKEND = "from django.conf import settings; print(settings.SMS_BACKEND)"


def test_debug_defaults_to_the_file_backend():
    result = _python(PRINT_BACKEND, {"DEBUG": "true"})

    assert result.stdout.strip() == FILE_BACKEND, result.stderr


def test_production_refuses_to_start_without_sms_backend():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SMS_BACKEND"}

    result = _python(PRINT_BACKEND, env)

    assert result.returncode != 0
    assert "SMS_BACKEND" in result.stderr


def test_aliyun_backend_refuses_to_start_without_its_keys():
    env = {**PRODUCTION_ENV, "SMS_BACKEND": "accounts.sms.backends.aliyun.SmsBackend"}

    result = _python(PRINT_BACKEND, env)

    assert result.returncode != 0
    assert "SMS_ALIYUN_ACCESS_KEY_SECRET" in result.stderr
