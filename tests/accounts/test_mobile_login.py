import pytest
from django.urls import reverse

from accounts.sms.backends import locmem
from tests.captcha import solved_captcha


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    return locmem.outbox


def _code_in(outbox):
    import re

    return re.search(r"验证码为(\d{6})", outbox[-1].text).group(1)


def _send(client, mobile, purpose="login", **captcha):
    return client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": mobile, "purpose": purpose, **(captcha or solved_captcha())},
        REMOTE_ADDR="10.1.1.1",
    )


def _mobile_login(client, mobile, code):
    return client.post(
        reverse("accounts:login") + "?tab=mobile",
        {"tab": "mobile", "mobile": mobile, "sms_code": code, **solved_captcha()},
    )


@pytest.fixture
def alice_mobile(alice):
    alice.mobile = "13800138000"
    alice.save()
    return alice


def test_mobile_login_with_the_code_signs_in(
    client, alice_mobile, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, "13800138000")

    assert response.json()["ok"] is True
    assert "138****8000" in response.json()["message"]
    response = _mobile_login(client, "13800138000", _code_in(sms_outbox))
    assert response.url == reverse("welcome")
    assert client.session["_auth_user_id"] == str(alice_mobile.pk)


def test_sending_a_code_needs_the_image_captcha(client, alice_mobile, sms_outbox):
    response = _send(client, "13800138000", captcha_0="x", captcha_1="wrong")

    assert response.status_code == 400
    assert "验证码错误" in response.json()["message"]
    assert sms_outbox == []


def test_send_answer_carries_a_fresh_captcha(client, alice_mobile):
    response = _send(client, "13800138000")

    assert response.json()["captcha"]["key"]
    assert response.json()["captcha"]["image_url"].startswith("/captcha/image/")


def test_resend_within_60_seconds_is_refused(
    client, alice_mobile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client, "13800138000")

    response = _send(client, "13800138000")

    assert response.status_code == 400
    assert "发送过于频繁" in response.json()["message"]


def test_unknown_mobile_gets_the_same_send_answer(
    client, alice_mobile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = _send(client, "13800138000").json()
        unknown = _send(client, "13900139000").json()

    assert known["ok"] is unknown["ok"] is True
    assert known["message"].replace("138****8000", "") == unknown["message"].replace(
        "139****9000", ""
    )


def test_wrong_code_is_refused(client, alice_mobile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client, "13800138000")

    response = _mobile_login(client, "13800138000", "000000")

    assert "验证码错误" in response.text
    assert "_auth_user_id" not in client.session


def test_code_for_another_purpose_is_refused(
    client, alice_mobile, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client, "13800138000", purpose="register")

    response = _mobile_login(client, "13800138000", _code_in(sms_outbox))

    assert "_auth_user_id" not in client.session
    assert "验证码错误" in response.text


def test_signed_in_only_purposes_need_a_login(client, alice_mobile):
    response = _send(client, "13800138000", purpose="change_mobile")

    assert response.status_code == 400
    assert "请先登录" in response.json()["message"]


def test_mobile_without_account_is_told_only_after_proving_the_mobile(
    client, db, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(client, "13900139000")

    response = _mobile_login(client, "13900139000", _code_in(sms_outbox))

    assert "未绑定平台账号" in response.text


def test_mobile_tab_opens_with_query(client, db):
    response = client.get(reverse("accounts:login") + "?tab=mobile")

    assert 'name="sms_code"' in response.text
    assert "获取短信验证码" in response.text
