"""Issue 19 item 3: nobody can exhaust a victim's SMS quota.

Codes anyone can ask for (忘记密码, 账号查询, 手机号登录, 注册, 激活, 更换手机号) and 登录验证 codes
(only the password holder causes one) are two budgets, each with its own daily cap per
mobile (5 and 10), its own per-address caps and its own 60 s pacing."""

import datetime
import re
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import SmsCode
from accounts.sms.codes import SmsCodeError, send_code
from tests.captcha import solved_captcha
from tests.factories import PASSWORD

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
MOBILE = "13800138000"
STRANGER = "10.9.9.9"
OWNER = "10.0.0.1"
RESET = SmsCode.Purpose.RESET_PASSWORD
SIGN_IN = SmsCode.Purpose.LOGIN_2FA


def seconds(n):
    return datetime.timedelta(seconds=n)


@pytest.fixture
def outbox(texts_per_request):
    return texts_per_request


@pytest.fixture
def send(django_capture_on_commit_callbacks, outbox):
    def send(purpose, now, *, ip=STRANGER, mobile=MOBILE):
        with django_capture_on_commit_callbacks(execute=True):
            send_code(mobile=mobile, purpose=purpose, ip=ip, now=now)

    return send


@pytest.fixture
def clock(monkeypatch):
    """``timezone.now()`` everywhere (codes, sessions, captcha) reads this clock."""

    class Clock:
        now = T0

        def advance(self, delta):
            self.now += delta

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def alice_mobile(alice):
    alice.mobile = MOBILE
    alice.save()
    return alice


# The two budgets, in accounts.sms.codes


def test_codes_anyone_can_ask_for_are_five_a_day_per_mobile(db, send):
    for n in range(5):
        send(RESET, T0 + seconds(61 * n))

    with pytest.raises(SmsCodeError) as refused:
        send(RESET, T0 + seconds(61 * 5))

    assert refused.value.message == "该手机号今日获取验证码的次数已达上限（5次），请明天再试。"


def test_a_strangers_codes_do_not_use_up_the_sign_in_budget(db, send, outbox):
    for n in range(5):
        send(RESET, T0 + seconds(61 * n))

    send(SIGN_IN, T0 + seconds(61 * 5), ip=OWNER)

    assert outbox[-1].mobile == MOBILE and "登录验证" in outbox[-1].text


def test_sign_in_codes_are_ten_a_day_per_mobile(db, send):
    for n in range(10):
        send(SIGN_IN, T0 + seconds(61 * n), ip=OWNER)

    with pytest.raises(SmsCodeError) as refused:
        send(SIGN_IN, T0 + seconds(61 * 10), ip=OWNER)

    assert refused.value.message == "该手机号今日获取验证码的次数已达上限（10次），请明天再试。"


def test_sign_in_codes_do_not_use_up_the_codes_anyone_can_ask_for(db, send, outbox):
    for n in range(10):
        send(SIGN_IN, T0 + seconds(61 * n), ip=OWNER)

    send(RESET, T0 + seconds(61 * 10), ip=OWNER)

    assert "忘记密码" in outbox[-1].text


def test_a_strangers_code_does_not_hold_back_the_sign_in_code(db, send, outbox):
    send(RESET, T0)

    send(SIGN_IN, T0 + seconds(5), ip=OWNER)

    assert len(outbox) == 2


def test_each_budget_keeps_its_sixty_seconds(db, send):
    send(RESET, T0)
    send(SIGN_IN, T0 + seconds(5), ip=OWNER)

    with pytest.raises(SmsCodeError) as stranger:
        send(SmsCode.Purpose.LOOKUP, T0 + seconds(20))
    with pytest.raises(SmsCodeError) as owner:
        send(SIGN_IN, T0 + seconds(20), ip=OWNER)

    assert stranger.value.message == "发送过于频繁，请在40秒后重试。"
    assert owner.value.message == "发送过于频繁，请在45秒后重试。"


def test_an_address_spent_on_strangers_codes_still_sends_sign_in_codes(db, send, settings):
    settings.SMS_DAILY_LIMIT_PER_IP = 3
    for n in range(3):
        send(RESET, T0 + seconds(n), mobile=f"1390000000{n}", ip=OWNER)

    with pytest.raises(SmsCodeError, match="当前网络今日获取验证码的次数已达上限"):
        send(RESET, T0 + seconds(10), mobile="13900000009", ip=OWNER)
    send(SIGN_IN, T0 + seconds(10), ip=OWNER)

    assert SmsCode.objects.filter(purpose=SIGN_IN).count() == 1


def test_the_send_button_never_sends_a_sign_in_code(client, alice_mobile, bob, outbox):
    client.force_login(bob)

    response = client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": MOBILE, "purpose": "login_2fa", **solved_captcha()},
    )

    assert response.status_code == 400
    assert not SmsCode.objects.exists() and outbox == []


# The whole story: ten 忘记密码 requests by a stranger, one a minute, then the owner signs in.


def _reset_by_username(username):
    """忘记密码 › 通过用户名 from a fresh browser (a stranger drops their cookies)."""
    return Client().post(
        reverse("accounts:password_reset"),
        {"username": username, **solved_captcha()},
        REMOTE_ADDR=STRANGER,
    )


def test_the_owner_still_signs_in_after_a_strangers_reset_requests(
    client, alice_mobile, outbox, clock, settings
):
    settings.SMS_SECOND_FACTOR = True
    for _ in range(12):
        clock.advance(seconds(61))
        assert _reset_by_username("alice").url == reverse("accounts:password_reset_verify")
    strangers_texts = len(outbox)
    clock.advance(seconds(5))

    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD, **solved_captcha()},
        REMOTE_ADDR=OWNER,
    )
    code = re.search(r"验证码为(\d{6})，用于登录验证", outbox[-1].text).group(1)
    signed_in = client.post(reverse("accounts:login_verify"), {"sms_code": code})

    assert strangers_texts == 5
    assert response.url == reverse("accounts:login_verify")
    assert signed_in.url == reverse("welcome")
    assert client.session["_auth_user_id"] == str(alice_mobile.pk)
