"""Signed in right after a flow that proved the mobile with a code and set the password —
用户注册, 账号激活, 忘记密码 — without a second code (issue 18 item 2a). Auditors are not."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import SmsCode, User
from accounts.sessions import LOGIN_AT
from audit.models import AuditEvent
from institutions.applications import approve_application
from institutions.models import InstitutionApplication, Region
from tests.captcha import solved_captcha
from tests.factories import InstitutionFactory
from tests.institutions.applications import APPLICANT_MOBILE, make_application

NEW_PASSWORD = "Stroke-Registry-2026"


@pytest.fixture(autouse=True)
def outbox(settings, texts_per_request):
    """The second factor on (as in production); texts go out as each request commits."""
    settings.SMS_SECOND_FACTOR = True
    return texts_per_request


def _code(outbox):
    return re.search(r"验证码为(\d{6})", outbox[-1].text).group(1)


def _send(client, outbox, mobile, purpose):
    response = client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": mobile, "purpose": purpose, **solved_captcha()},
    )
    assert response.json()["ok"], response.json()
    return _code(outbox)


def _login_event():
    return AuditEvent.objects.filter(action="login").order_by("pk").last()


def _no_login_code_was_sent():
    return not SmsCode.objects.filter(purpose=SmsCode.Purpose.LOGIN_2FA).exists()


# 用户注册


@pytest.fixture
def registered(client, regions, outbox):
    hospital = InstitutionFactory(name="东城医院", region=Region.objects.get(code="110101"))
    code = _send(client, outbox, "13800138000", "register")
    response = client.post(
        reverse("accounts:register"),
        {
            "region": "110101",
            "institution": str(hospital.public_id),
            "real_name": "王小明",
            "id_number": "11010519491231002X",
            "id_number_consent": "on",
            "username": "wangxm",
            "mobile": "13800138000",
            "sms_code": code,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            **solved_captcha(),
        },
    )
    return response


def test_registration_signs_in_without_a_login_code(client, registered):
    user = User.objects.get(username="wangxm")

    assert client.session[SESSION_KEY] == str(user.pk)
    assert _no_login_code_was_sent()


def test_registration_sign_in_goes_to_verification(client, registered):
    assert registered.url == reverse("accounts:verification")
    assert client.get(registered.url).status_code == 200


def test_registration_sign_in_is_audited_as_such(registered):
    event = _login_event()

    assert event.user.username == "wangxm"
    assert event.detail == {"via": "registration"}


def test_registration_sign_in_has_the_absolute_lifetime(client, registered):
    assert LOGIN_AT in client.session


# 账号激活


@pytest.fixture
def activated(client, auditor, outbox, django_capture_on_commit_callbacks):
    application = make_application(status=InstitutionApplication.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        approve_application(application=application, auditor=auditor)
    activation_code = re.search(r"激活码为([2-9A-Z]{8})", outbox[-1].text).group(1)
    code = _send(client, outbox, APPLICANT_MOBILE, "activate")
    return client.post(
        reverse("accounts:activate"),
        {
            "mobile": APPLICANT_MOBILE,
            "sms_code": code,
            "activation_code": activation_code,
            "username": "dongcheng_admin",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            **solved_captcha(),
        },
    )


def test_activation_signs_in_without_a_login_code(client, activated):
    user = User.objects.get(username="dongcheng_admin")

    assert activated.url == reverse("welcome")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert _no_login_code_was_sent()


def test_activation_sign_in_is_audited_as_such(activated):
    event = _login_event()

    assert event.user.username == "dongcheng_admin"
    assert event.detail == {"via": "activation"}


# 忘记密码


def _reset(client, outbox, mobile):
    code = _send(client, outbox, mobile, "reset_password")
    client.post(
        reverse("accounts:password_reset") + "?tab=mobile",
        {"tab": "mobile", "mobile": mobile, "sms_code": code, **solved_captcha()},
    )
    return client.post(
        reverse("accounts:password_reset_set"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def test_password_reset_signs_in_without_a_login_code(client, alice, outbox):
    alice.mobile = "13800138000"
    alice.save()

    response = _reset(client, outbox, "13800138000")

    assert response.url == reverse("welcome")
    assert client.session[SESSION_KEY] == str(alice.pk)
    assert "密码已重置，您已登录" in client.get(response.url).text
    assert _no_login_code_was_sent()


def test_password_reset_sign_in_is_audited_as_such(client, alice, outbox):
    alice.mobile = "13800138000"
    alice.save()

    _reset(client, outbox, "13800138000")

    assert _login_event().detail == {"via": "password_reset"}


@pytest.mark.real_otp
def test_password_reset_does_not_sign_in_an_auditor(client, auditor, outbox):
    auditor.mobile = "13700137000"
    auditor.save()

    response = _reset(client, outbox, "13700137000")

    auditor.refresh_from_db()
    assert auditor.check_password(NEW_PASSWORD)
    assert response.url == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert "密码已重置，请使用新密码登录" in client.get(response.url).text
