"""Issue 19 item 2: 单位注册 and 账号激活 are no oracles for ID numbers, mobiles or usernames.

Before the applicant proved the mobile (SMS code; for corrections, the session that owns the
application) the page is the same whether the applicant's ID number or mobile, or the
chosen username, belongs to an account; after it, the answer is named, within the limits of
``accounts.mobile_proof``, and a corrected form needs no new code."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.sms.backends import locmem
from institutions.applications import approve_application
from institutions.models import InstitutionApplication
from tests.accounts.registration import another_id_number, sms_code, without_tokens
from tests.captcha import solved_captcha
from tests.factories import UserFactory

from .applications import APPLICANT_MOBILE, form_data, grant, make_application

ID_NUMBER = form_data()["applicant_id_number"]
PASSWORD = "Stroke-Registry-2026"


@pytest.fixture(autouse=True)
def outbox(texts_per_request):
    return texts_per_request


def _start(client, code, **overrides):
    data = {
        **form_data(),
        "applicant_mobile": APPLICANT_MOBILE,
        "id_number_consent": "on",
        "sms_code": code,
        **solved_captcha(),
        **overrides,
    }
    return client.post(reverse("institutions:register"), data)


# 单位注册, first step


@pytest.mark.parametrize(
    "registered",
    [{"id_number": ID_NUMBER}, {"mobile": APPLICANT_MOBILE}],
    ids=["id_number", "mobile"],
)
@pytest.mark.parametrize("code", ["000000", ""], ids=["wrong_code", "no_code"])
def test_before_the_code_a_registered_applicant_gets_the_same_page(regions, registered, code):
    unregistered = _start(Client(), code)
    UserFactory(**registered)

    response = _start(Client(), code)

    assert response.status_code == unregistered.status_code == 200
    assert without_tokens(response.text) == without_tokens(unregistered.text)
    assert "已注册过平台账号" not in response.text and "已绑定平台账号" not in response.text


def test_after_the_code_a_registered_id_number_is_named_and_corrected_without_a_new_code(
    client, regions
):
    UserFactory(id_number=ID_NUMBER)
    code = sms_code(client, APPLICANT_MOBILE, "institution_apply")

    taken = _start(client, code)
    corrected = _start(client, "", applicant_id_number=another_id_number(1))

    assert "该身份证号码已注册过平台账号" in taken.text
    assert corrected.status_code == 302
    assert InstitutionApplication.objects.get().applicant_id_number == another_id_number(1)


def test_after_the_code_a_registered_mobile_is_named(client, regions):
    UserFactory(mobile=APPLICANT_MOBILE)
    code = sms_code(client, APPLICANT_MOBILE, "institution_apply")

    response = _start(client, code)

    assert "该手机号已绑定平台账号" in response.text
    assert not InstitutionApplication.objects.exists()


# 单位注册, corrections: the session owns the application


def _edit(client, application, **overrides):
    return client.post(
        reverse("institutions:application_edit", args=[application.number]),
        form_data(**overrides),
    )


def test_a_correction_to_a_registered_id_number_is_named(client, regions):
    application = make_application()
    grant(client, application)
    UserFactory(id_number=another_id_number(1))

    response = _edit(client, application, applicant_id_number=another_id_number(1))

    assert "该身份证号码已注册过平台账号" in response.text
    application.refresh_from_db()
    assert application.applicant_id_number == ID_NUMBER


def test_corrections_of_the_id_number_are_limited_per_session(client, regions):
    application = make_application()
    grant(client, application)
    for n in range(5):
        UserFactory(id_number=another_id_number(n + 1))
        assert (
            "已注册过平台账号"
            in _edit(client, application, applicant_id_number=another_id_number(n + 1)).text
        )

    response = _edit(client, application, applicant_id_number=another_id_number(9))

    assert response.status_code == 429
    assert "操作过于频繁" in response.text
    application.refresh_from_db()
    assert application.applicant_id_number == ID_NUMBER


def test_other_corrections_are_not_counted(client, regions):
    application = make_application()
    grant(client, application)

    for n in range(7):
        assert (
            _edit(client, application, address=f"北京市东城区东直门内大街{n}号").status_code == 302
        )


# 账号激活: the username is checked after the SMS code and the activation code


@pytest.fixture
def approved(db, auditor, django_capture_on_commit_callbacks):
    application = make_application(status=InstitutionApplication.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        approve_application(application=application, auditor=auditor)
    return re.search(r"激活码为([2-9A-Z]{8})", locmem.outbox[-1].text).group(1)


def _activate(client, sms_code, activation_code, **overrides):
    data = {
        "mobile": APPLICANT_MOBILE,
        "sms_code": sms_code,
        "activation_code": activation_code,
        "username": "dongcheng_admin",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **solved_captcha(),
        **overrides,
    }
    return client.post(reverse("accounts:activate"), data)


@pytest.mark.parametrize("code", ["000000", ""], ids=["wrong_code", "no_code"])
def test_before_the_codes_a_taken_username_gets_the_same_page(db, code):
    free = _activate(Client(), code, "ABCDEFGH")
    UserFactory(username="Dongcheng_Admin")

    response = _activate(Client(), code, "ABCDEFGH")

    assert without_tokens(response.text) == without_tokens(free.text)
    assert "已被使用" not in response.text


def test_a_taken_username_is_named_after_the_codes_and_corrected_without_a_new_code(
    client, approved
):
    UserFactory(username="dongcheng_admin")
    code = sms_code(client, APPLICANT_MOBILE, "activate")

    taken = _activate(client, code, approved)
    corrected = _activate(client, "", approved, username="dongcheng_admin2")

    assert "该用户名已被使用" in taken.text
    assert corrected.url == reverse("welcome")
    assert User.objects.get(username="dongcheng_admin2").is_institution_admin
