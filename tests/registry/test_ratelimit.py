"""Rate limits on the costly endpoints: one request over the limit answers 429 with a
Chinese message and never reaches the view (no SMS sent, no export written)."""

import re

import pytest
from django.urls import reverse

from accounts.models import SmsCode

EXPORT = reverse("admin:surveys_report_export")


@pytest.fixture
def tight(settings):
    settings.RATE_LIMITS = {
        "sms": ("2/h", "3/h"),
        "captcha": (None, "3/m"),
        "import": ("2/h", "3/h"),
        "export": ("2/h", "3/h"),
    }


def send(client, mobile="13800138000"):
    return client.post(reverse("accounts:send_sms_code"), {"mobile": mobile, "purpose": "x"})


def test_sms_endpoint_answers_429_json_per_address(client, db, tight):
    statuses = [send(client, f"1380013800{n}").status_code for n in range(4)]

    assert 429 not in statuses[:3]
    response = send(client, "13800138009")
    assert response.status_code == 429
    assert response.json()["ok"] is False
    assert re.fullmatch(r"操作过于频繁，请\d+分钟后再试。", response.json()["message"])
    assert int(response["Retry-After"]) > 0


def test_sms_limit_per_signed_in_user_counts_across_addresses(client, alice, tight):
    client.force_login(alice)
    first = client.post(reverse("accounts:send_sms_code"), {}, REMOTE_ADDR="10.0.0.1")
    second = client.post(reverse("accounts:send_sms_code"), {}, REMOTE_ADDR="10.0.0.2")
    third = client.post(reverse("accounts:send_sms_code"), {}, REMOTE_ADDR="10.0.0.3")

    assert first.status_code != 429 and second.status_code != 429
    assert third.status_code == 429


def test_an_sms_over_the_limit_is_not_sent(client, db, tight):
    for n in range(3):
        send(client, f"1390013900{n}")
    before = SmsCode.objects.count()

    send(client, "13900139009")

    assert SmsCode.objects.count() == before


def test_captcha_refresh_answers_429_json(client, db, tight):
    url = reverse("captcha-refresh")
    ajax = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    assert all(client.get(url, **ajax).status_code == 200 for _ in range(3))

    response = client.get(url, **ajax)

    assert response.status_code == 429
    assert "操作过于频繁" in response.json()["message"]


def test_captcha_images_are_limited_per_address(client, db, tight):
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    url = reverse("captcha-image", args=[key])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]

    response = client.get(url)

    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()


def test_export_answers_429_page_to_an_auditor(client, auditor, tight):
    client.force_login(auditor)
    assert [client.get(EXPORT).status_code for _ in range(2)] == [200, 200]

    response = client.get(EXPORT)

    assert response.status_code == 429
    assert re.search(r"操作过于频繁，请\d+分钟后再试。", response.content.decode())
