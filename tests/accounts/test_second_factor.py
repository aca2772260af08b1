"""登录验证: after the right password, an SMS code to the account's mobile before sign-in."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.captcha import solved_captcha
from tests.factories import PASSWORD

# Pages of every kind a session could reach once signed in.
PROTECTED_URLS = ["/", "/registry/", "/accounts/profile/", "/admin/", "/binding/"]


@pytest.fixture(autouse=True)
def second_factor_on(settings, texts_per_request):
    settings.SMS_SECOND_FACTOR = True
    return texts_per_request


@pytest.fixture
def alice_mobile(alice):
    alice.mobile = "13800138000"
    alice.save()
    return alice


def _code(outbox):
    return re.search(r"验证码为(\d{6})", outbox[-1].text).group(1)


def _password_login(client, username="alice", password=PASSWORD, **extra):
    data = {"username": username, "password": password, **solved_captcha(), **extra}
    return client.post(reverse("accounts:login"), data, REMOTE_ADDR="10.0.0.1")


def _verify(client, code):
    return client.post(reverse("accounts:login_verify"), {"sms_code": code})


def test_sms_second_factor_is_on_unless_turned_off(monkeypatch):
    """The production default: on, whatever the environment does not say."""
    import importlib

    import registry.settings

    monkeypatch.delenv("SMS_SECOND_FACTOR", raising=False)
    assert importlib.reload(registry.settings).SMS_SECOND_FACTOR is True


def test_right_password_sends_a_code_and_does_not_sign_in(client, alice_mobile, second_factor_on):
    response = _password_login(client)

    assert response.url == reverse("accounts:login_verify")
    assert "_auth_user_id" not in client.session
    assert second_factor_on[-1].mobile == "13800138000"
    assert "登录验证" in second_factor_on[-1].text


@pytest.mark.parametrize("url", PROTECTED_URLS)
def test_right_password_without_the_code_reaches_nothing_protected(client, alice_mobile, url):
    _password_login(client)

    response = client.get(url)

    assert response.status_code == 302
    assert "/login/" in response.url
    assert "_auth_user_id" not in client.session


def test_right_code_signs_in(client, alice_mobile, second_factor_on):
    _password_login(client)

    response = _verify(client, _code(second_factor_on))

    assert response.url == reverse("welcome")
    assert client.session["_auth_user_id"] == str(alice_mobile.pk)
    assert client.get("/registry/").status_code == 200


def test_code_keeps_the_next_page(client, alice_mobile, second_factor_on):
    _password_login(client, next="/accounts/profile/")

    assert _verify(client, _code(second_factor_on)).url == "/accounts/profile/"


def test_wrong_code_is_refused_in_chinese(client, alice_mobile, second_factor_on):
    _password_login(client)
    code = _code(second_factor_on)

    response = _verify(client, "000000" if code != "000000" else "111111")

    assert "验证码错误" in response.text
    assert "_auth_user_id" not in client.session


def test_five_wrong_codes_end_the_attempt(client, alice_mobile, second_factor_on):
    _password_login(client)
    code = _code(second_factor_on)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        _verify(client, wrong)

    response = _verify(client, wrong)

    assert response.url == reverse("accounts:login")
    assert _verify(client, code).url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_attempt_expires(client, alice_mobile, second_factor_on, settings):
    settings.LOGIN_SECOND_FACTOR_SECONDS = -1
    _password_login(client)

    response = _verify(client, _code(second_factor_on))

    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_code_of_another_purpose_does_not_sign_in(client, alice_mobile, second_factor_on):
    """A 手机号登录 code is bound to its own purpose."""
    client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": "13800138000", "purpose": "login", **solved_captcha()},
    )
    other = _code(second_factor_on)
    with override_settings(SMS_RESEND_SECONDS=0):
        _password_login(client)

    _verify(client, other if other != _code(second_factor_on) else "000000")

    assert "_auth_user_id" not in client.session


def test_resend_waits_for_the_throttle(client, alice_mobile, second_factor_on):
    _password_login(client)

    response = client.post(reverse("accounts:login_verify"), {"action": "resend"}, follow=True)

    assert "发送过于频繁" in response.text
    assert len(second_factor_on) == 1


def test_resend_sends_a_new_code_and_the_old_one_stops(client, alice_mobile, second_factor_on):
    with override_settings(SMS_RESEND_SECONDS=0):
        _password_login(client)
        old = _code(second_factor_on)
        client.post(reverse("accounts:login_verify"), {"action": "resend"})
    new = _code(second_factor_on)

    assert len(second_factor_on) == 2
    if old != new:
        _verify(client, old)
        assert "_auth_user_id" not in client.session
    _verify(client, new)
    assert client.session["_auth_user_id"] == str(alice_mobile.pk)


def test_account_without_mobile_cannot_sign_in(client, alice):
    response = _password_login(client)

    assert response.status_code == 200
    assert "未绑定手机号" in response.text
    assert "_auth_user_id" not in client.session


def test_stopped_account_cannot_finish(client, alice_mobile, second_factor_on):
    _password_login(client)
    alice_mobile.is_active = False
    alice_mobile.save()

    response = _verify(client, _code(second_factor_on))

    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_verify_page_without_a_password_step_goes_to_login(client, db):
    assert client.get(reverse("accounts:login_verify")).url == reverse("accounts:login")


def test_wrong_password_sends_no_code(client, alice_mobile, second_factor_on):
    _password_login(client, password="wrong")

    assert second_factor_on == []


def test_switched_off_the_password_signs_in(client, alice_mobile, settings, second_factor_on):
    settings.SMS_SECOND_FACTOR = False

    response = _password_login(client)

    assert response.url == reverse("welcome")
    assert client.session["_auth_user_id"] == str(alice_mobile.pk)
    assert second_factor_on == []


def test_admin_login_form_cannot_bypass_the_second_factor(client, alice_mobile, auditor):
    """/admin/login/ is not a password-only door."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "auditor", "password": PASSWORD}
    )

    assert "_auth_user_id" not in client.session
    assert response.url.startswith(reverse("accounts:login"))


# 手机号登录: the SMS code first, then the password.


def _mobile_login(client, second_factor_on):
    client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": "13800138000", "purpose": "login", **solved_captcha()},
    )
    return client.post(
        reverse("accounts:login") + "?tab=mobile",
        {
            "tab": "mobile",
            "mobile": "13800138000",
            "sms_code": _code(second_factor_on),
            **solved_captcha(),
        },
    )


def test_mobile_login_then_asks_for_the_password(client, alice_mobile, second_factor_on):
    response = _mobile_login(client, second_factor_on)

    assert response.url == reverse("accounts:login_verify")
    assert "_auth_user_id" not in client.session
    assert client.get("/registry/").status_code == 302
    assert "登录密码" in client.get(reverse("accounts:login_verify")).text


def test_mobile_login_with_the_password_signs_in(client, alice_mobile, second_factor_on):
    _mobile_login(client, second_factor_on)

    client.post(reverse("accounts:login_verify"), {"password": PASSWORD})

    assert client.session["_auth_user_id"] == str(alice_mobile.pk)


def test_mobile_login_with_a_wrong_password_does_not(client, alice_mobile, second_factor_on):
    _mobile_login(client, second_factor_on)

    response = client.post(reverse("accounts:login_verify"), {"password": "wrong"})

    assert "密码错误" in response.text
    assert "_auth_user_id" not in client.session


def test_an_empty_code_gets_the_platforms_words(client, alice_mobile, second_factor_on):
    _password_login(client)

    response = _verify(client, "")

    assert "请输入6位短信验证码" in response.text
    assert "这个字段是必填项" not in response.text


def test_a_short_code_gets_the_platforms_words(client, alice_mobile, second_factor_on):
    _password_login(client)

    assert "短信验证码为6位数字" in _verify(client, "123").text


def test_a_password_rehashed_at_the_password_step_keeps_the_session(
    client, alice_mobile, second_factor_on, settings
):
    # Stored with PBKDF2 before the switch to Argon2 (MD5 stands in for Argon2 in the suite):
    # the password step rehashes it, and the new session must carry the new hash.
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    type(alice_mobile).objects.filter(pk=alice_mobile.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    _mobile_login(client, second_factor_on)

    client.post(reverse("accounts:login_verify"), {"password": PASSWORD})

    alice_mobile.refresh_from_db()
    assert alice_mobile.password.startswith("md5$")
    assert client.get("/accounts/profile/").status_code == 200
