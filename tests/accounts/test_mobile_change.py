"""个人中心 › 更换手机号: a code sent to the new mobile, and the current password."""

import re

import pytest
from django.urls import reverse

from accounts.models import SmsCode
from accounts.sms.backends import locmem
from tests.captcha import solved_captcha
from tests.factories import PASSWORD, UserFactory

OLD_MOBILE = "13800138000"
NEW_MOBILE = "13900139000"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    return locmem.outbox


@pytest.fixture
def signed_in(client, alice):
    alice.mobile = OLD_MOBILE
    alice.save()
    client.force_login(alice)
    return client


@pytest.fixture
def code_for(signed_in, django_capture_on_commit_callbacks, sms_outbox):
    """Press 获取短信验证码 for ``mobile``; return the code that arrived there."""

    def code_for(mobile):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(
                reverse("accounts:send_sms_code"),
                {"mobile": mobile, "purpose": "change_mobile", **solved_captcha()},
            )
        assert response.json()["ok"], response.json()
        assert sms_outbox[-1].mobile == mobile
        return re.search(r"验证码为(\d{6})", sms_outbox[-1].text).group(1)

    return code_for


def _change(client, mobile, code, password=PASSWORD):
    return client.post(
        reverse("accounts:mobile_change"),
        {"mobile": mobile, "sms_code": code, "password": password, **solved_captcha()},
    )


def test_mobile_change_stores_the_normalized_new_mobile(signed_in, alice, code_for):
    code = code_for(NEW_MOBILE)

    response = _change(signed_in, "+86 139-0013-9000", code)

    alice.refresh_from_db()
    assert response.url == reverse("accounts:profile")
    assert alice.mobile == NEW_MOBILE


def test_mobile_change_says_so_with_the_masked_mobile(signed_in, code_for):
    response = _change(signed_in, NEW_MOBILE, code_for(NEW_MOBILE))
    page = signed_in.get(response.url)

    assert "手机号已更换为 139****9000" in page.text


def test_mobile_change_refuses_a_wrong_current_password(signed_in, alice, code_for):
    code = code_for(NEW_MOBILE)

    response = _change(signed_in, NEW_MOBILE, code, password="not-it")

    alice.refresh_from_db()
    assert alice.mobile == OLD_MOBILE
    assert "当前密码错误" in response.text
    # The code was not looked at, so it still works once the password is right.
    assert SmsCode.objects.get(mobile=NEW_MOBILE).used_at is None


def test_mobile_change_refuses_a_mobile_of_another_user(signed_in, alice, code_for):
    UserFactory(username="carol", mobile=NEW_MOBILE)
    code = code_for(NEW_MOBILE)

    response = _change(signed_in, NEW_MOBILE, code)

    alice.refresh_from_db()
    assert alice.mobile == OLD_MOBILE
    assert "该手机号已绑定其他账号" in response.text


def _without_tokens(html):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"\b[0-9a-f]{40}\b", "", html)


def test_before_the_code_a_mobile_of_another_user_gets_the_same_page(signed_in):
    # Issue 19 item 2: 更换手机号 tells whether another account uses the mobile only to
    # whoever proved it with its code.
    free = _change(signed_in, NEW_MOBILE, "000000")
    UserFactory(username="carol", mobile=NEW_MOBILE)

    taken = _change(signed_in, NEW_MOBILE, "000000")

    assert _without_tokens(taken.text) == _without_tokens(free.text)
    assert "已绑定其他账号" not in taken.text and "验证码错误" in taken.text


def test_mobile_change_refuses_a_code_sent_to_a_different_mobile(signed_in, alice, code_for):
    code = code_for("13700137000")

    response = _change(signed_in, NEW_MOBILE, code)

    alice.refresh_from_db()
    assert alice.mobile == OLD_MOBILE
    assert "验证码错误" in response.text


def test_mobile_change_refuses_a_code_sent_for_another_purpose(
    signed_in, alice, django_capture_on_commit_callbacks, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(
            reverse("accounts:send_sms_code"),
            {"mobile": NEW_MOBILE, "purpose": "login", **solved_captcha()},
        )
    code = re.search(r"验证码为(\d{6})", sms_outbox[-1].text).group(1)

    response = _change(signed_in, NEW_MOBILE, code)

    alice.refresh_from_db()
    assert alice.mobile == OLD_MOBILE
    assert "验证码错误" in response.text


def test_mobile_change_refuses_the_current_mobile(signed_in, alice):
    response = _change(signed_in, OLD_MOBILE, "123456")

    assert "新手机号与当前手机号相同" in response.text
    assert not SmsCode.objects.exists()


def test_mobile_change_page_shows_the_masked_old_mobile(signed_in):
    response = signed_in.get(reverse("accounts:mobile_change"))

    assert "138****8000" in response.text
    assert OLD_MOBILE not in response.text


def test_mobile_change_requires_login(client, db):
    response = client.get(reverse("accounts:mobile_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_profile_offers_mobile_change_next_to_password_change(signed_in):
    response = signed_in.get(reverse("accounts:profile"))

    assert f'href="{reverse("accounts:mobile_change")}"' in response.text
    assert "更换手机号" in response.text
