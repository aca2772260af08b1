"""Issue 19 item 2: 用户注册 is no oracle for ID numbers, usernames or mobiles.

Until the visitor has solved the captcha and proved the mobile with its SMS code, the page
is the same whether the ID number, username or mobile is registered or not. After the proof
it says which is taken — at most 5 times an hour per session and 100 per address, counted
whatever the answer — and a corrected form needs no new code for the code's lifetime."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.mobile_proof import PROOF
from accounts.models import User
from tests.captcha import solved_captcha
from tests.factories import InstitutionFactory, UserFactory, region

from .registration import (
    ID_NUMBER,
    MOBILE,
    another_id_number,
    register,
    sms_code,
    without_tokens,
)

OTHER_MOBILE = "13900139000"


@pytest.fixture(autouse=True)
def outbox(texts_per_request):
    return texts_per_request


@pytest.fixture
def hospital(regions):
    return InstitutionFactory(name="东城医院", region=region("110101"))


# Before the proof: the same page either way


@pytest.mark.parametrize(
    "registered",
    [{"id_number": ID_NUMBER}, {"username": "WangXM"}, {"mobile": MOBILE}],
    ids=["id_number", "username", "mobile"],
)
@pytest.mark.parametrize("code", ["000000", ""], ids=["wrong_code", "no_code"])
def test_before_the_code_a_registered_value_gets_the_same_page(hospital, registered, code):
    unregistered = register(Client(), hospital, code)
    UserFactory(institution=hospital, **registered)

    response = register(Client(), hospital, code)

    assert response.status_code == unregistered.status_code == 200
    assert without_tokens(response.text) == without_tokens(unregistered.text)
    assert "已注册" not in response.text and "已被使用" not in response.text
    assert "已绑定" not in response.text


def test_a_probe_without_the_code_creates_nothing_and_says_nothing(hospital):
    UserFactory(institution=hospital, id_number=ID_NUMBER)

    response = register(Client(), hospital, "000000")

    assert "验证码错误" in response.text
    assert User.objects.count() == 1


# After the proof: said, without a new code for the correction


def test_after_the_code_a_registered_id_number_is_named(client, hospital):
    UserFactory(institution=hospital, id_number=ID_NUMBER)

    response = register(client, hospital, sms_code(client))

    assert "该身份证号码已注册过账号" in response.text
    assert not User.objects.filter(username="wangxm").exists()


def test_a_corrected_username_needs_no_new_code(client, hospital):
    UserFactory(institution=hospital, username="WangXM")
    taken = register(client, hospital, sms_code(client))

    response = register(client, hospital, "", username="wangxm2")

    assert "该用户名已被使用" in taken.text
    assert "无需重新获取短信验证码" in taken.text
    assert response.status_code == 302
    assert User.objects.get(username="wangxm2").mobile == MOBILE
    assert PROOF not in client.session


def test_the_proof_is_for_that_mobile_only(client, hospital):
    UserFactory(institution=hospital, username="WangXM")
    register(client, hospital, sms_code(client))

    response = register(client, hospital, "", username="wangxm2", mobile=OTHER_MOBILE)

    assert "请输入6位短信验证码" in response.text
    assert not User.objects.filter(username="wangxm2").exists()


def test_the_proof_ends_with_the_code(client, hospital):
    UserFactory(institution=hospital, username="WangXM")
    register(client, hospital, sms_code(client))
    session = client.session
    session[PROOF] = {**session[PROOF], "expires": 0}
    session.save()

    response = register(client, hospital, "", username="wangxm2")

    assert "请输入6位短信验证码" in response.text
    assert not User.objects.filter(username="wangxm2").exists()


def test_the_proof_is_for_registration_only(client, hospital):
    # 账号激活 remembers its own proof of the mobile, which 用户注册 does not take.
    code = sms_code(client, purpose="activate")
    client.post(
        reverse("accounts:activate"),
        {
            "mobile": MOBILE,
            "sms_code": code,
            "activation_code": "ABCDEFGH",
            "username": "wangxm",
            "password1": "Stroke-Registry-2026",
            "password2": "Stroke-Registry-2026",
            **solved_captcha(),
        },
    )
    assert client.session[PROOF]["purpose"] == "activate"

    response = register(client, hospital, "")

    assert "请输入6位短信验证码" in response.text
    assert not User.objects.filter(username="wangxm").exists()


# The limit: counted whatever the answer, so that its refusal says nothing either


def _spend_checks(client, hospital, code, count, mobile=MOBILE):
    """``count`` checks after the proof, each refused for a taken username."""
    for n in range(count):
        username = f"taken{mobile[-4:]}x{n}"
        UserFactory(institution=hospital, username=username)
        response = register(
            client, hospital, code if n == 0 else "", username=username, mobile=mobile
        )
        assert "该用户名已被使用" in response.text


def test_a_sixth_check_in_an_hour_is_refused_alike_for_a_taken_and_a_free_value(hospital):
    first, second = Client(), Client()
    _spend_checks(first, hospital, sms_code(first), 5)
    _spend_checks(second, hospital, sms_code(second, OTHER_MOBILE), 5, OTHER_MOBILE)
    UserFactory(institution=hospital, id_number=another_id_number(1))

    taken = register(first, hospital, "", username="free1", id_number=another_id_number(1))
    free = register(
        second, hospital, "", username="free2", id_number=another_id_number(2), mobile=OTHER_MOBILE
    )

    for response in (taken, free):
        assert response.status_code == 429
        assert "操作过于频繁，请60分钟后再试。" in response.text
        assert "已注册" not in response.text and int(response["Retry-After"]) > 0
    assert not User.objects.filter(username__in=["free1", "free2"]).exists()


def test_checks_are_limited_per_address(hospital, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "account_check": (None, "2/h")}
    first, second = Client(), Client()
    _spend_checks(first, hospital, sms_code(first), 2)

    response = register(second, hospital, sms_code(second, OTHER_MOBILE), mobile=OTHER_MOBILE)

    assert response.status_code == 429
    assert not User.objects.filter(username="wangxm").exists()
