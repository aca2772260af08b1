import re

import pytest
from django.urls import reverse

from accounts.consent import ID_NUMBER_CONSENT_VERSION
from accounts.models import User
from accounts.sms.backends import locmem
from tests.captcha import solved_captcha
from tests.factories import InstitutionFactory, UserFactory

from .registration import registration_data

ID_NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    return locmem.outbox


@pytest.fixture
def hospital(regions):
    from institutions.models import Region

    return InstitutionFactory(name="东城医院", region=Region.objects.get(code="110101"))


def _send_code(client, mobile, capture):
    with capture(execute=True):
        response = client.post(
            reverse("accounts:send_sms_code"),
            {"mobile": mobile, "purpose": "register", **solved_captcha()},
        )
    assert response.json()["ok"], response.json()
    return re.search(r"验证码为(\d{6})", locmem.outbox[-1].text).group(1)


def _form(hospital, code, **overrides):
    return registration_data(hospital, code, **overrides)


def test_registration_creates_an_unverified_user_and_signs_in(
    client, hospital, django_capture_on_commit_callbacks
):
    code = _send_code(client, "13800138000", django_capture_on_commit_callbacks)

    response = client.post(reverse("accounts:register"), _form(hospital, code))

    user = User.objects.get(username="wangxm")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.institution == hospital
    assert user.origin == User.Origin.REGISTRATION
    assert user.verification_status == User.Verification.UNVERIFIED
    assert user.id_number == ID_NUMBER and user.mobile == "13800138000"
    assert not user.can_see_institution_data


def test_wrong_id_check_digit_is_refused(client, hospital, django_capture_on_commit_callbacks):
    code = _send_code(client, "13800138000", django_capture_on_commit_callbacks)

    response = client.post(
        reverse("accounts:register"), _form(hospital, code, id_number="360426199101010072")
    )

    assert "校验位" in response.text
    assert not User.objects.filter(username="wangxm").exists()


def test_a_mistake_elsewhere_does_not_use_up_the_code(
    client, hospital, django_capture_on_commit_callbacks
):
    code = _send_code(client, "13800138000", django_capture_on_commit_callbacks)
    client.post(reverse("accounts:register"), _form(hospital, code, password2="other"))

    response = client.post(reverse("accounts:register"), _form(hospital, code))

    assert response.status_code == 302
    assert User.objects.filter(username="wangxm").exists()


def test_wrong_sms_code_is_refused(client, hospital, django_capture_on_commit_callbacks):
    _send_code(client, "13800138000", django_capture_on_commit_callbacks)

    response = client.post(reverse("accounts:register"), _form(hospital, "000000"))

    assert "验证码错误" in response.text
    assert not User.objects.filter(username="wangxm").exists()


def test_code_sent_to_another_mobile_is_refused(
    client, hospital, django_capture_on_commit_callbacks
):
    code = _send_code(client, "13900139000", django_capture_on_commit_callbacks)

    response = client.post(reverse("accounts:register"), _form(hospital, code))

    assert not User.objects.filter(username="wangxm").exists()
    assert "验证码错误" in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "ab", "4–20位"),
        ("username", "9lives", "以字母开头"),
        ("real_name", "X", "真实姓名"),
        ("password1", "12345678", "密码"),
    ],
)
def test_field_rules(client, hospital, field, value, message):
    data = _form(hospital, "123456", **{field: value})
    if field == "password1":
        data["password2"] = value

    response = client.post(reverse("accounts:register"), data)

    assert message in response.text
    assert not User.objects.exists()


def test_taken_username_mobile_and_id_number_are_refused_after_the_code(
    client, hospital, django_capture_on_commit_callbacks
):
    UserFactory(username="WangXM", mobile="13800138000", id_number=ID_NUMBER, institution=hospital)
    code = _send_code(client, "13800138000", django_capture_on_commit_callbacks)

    response = client.post(reverse("accounts:register"), _form(hospital, code))

    assert "该用户名已被使用" in response.text
    assert "该手机号已绑定其他账号" in response.text
    assert "该身份证号码已注册过账号" in response.text
    assert User.objects.count() == 1


def test_institution_must_be_in_the_chosen_region(client, hospital, regions):
    from institutions.models import Region

    elsewhere = InstitutionFactory(name="天河医院", region=Region.objects.get(code="440106"))

    response = client.post(
        reverse("accounts:register"), _form(hospital, "123456", institution=elsewhere.public_id)
    )

    assert "请从列表中选择单位" in response.text or "不在该行政区划内" in response.text
    assert not User.objects.exists()


def test_disabled_institution_cannot_be_chosen(client, hospital):
    hospital.status = hospital.Status.DISABLED
    hospital.save()

    response = client.post(reverse("accounts:register"), _form(hospital, "123456"))

    assert "请从列表中选择单位" in response.text


def test_institution_options_follow_the_region(client, hospital):
    response = client.get(reverse("institutions:institution_options"), {"region": "110101"})

    assert "东城医院" in response.text
    assert str(hospital.public_id) in response.text


def test_institution_options_for_an_empty_region(client, hospital):
    response = client.get(reverse("institutions:institution_options"), {"region": "440106"})

    assert "暂无可选单位" in response.text
    assert "东城医院" not in response.text


def test_registration_page_keeps_the_choices_after_an_error(client, hospital):
    response = client.post(reverse("accounts:register"), _form(hospital, "1", username="x"))

    assert f'value="{hospital.public_id}" selected' in response.text


# 单独同意 to process the ID number (security checklist 8.4)


def test_registration_without_the_id_number_consent_is_refused(
    client, hospital, django_capture_on_commit_callbacks
):
    code = _send_code(client, "13800138000", django_capture_on_commit_callbacks)
    data = _form(hospital, code)
    del data["id_number_consent"]

    response = client.post(reverse("accounts:register"), data)

    assert response.status_code == 200
    assert "请阅读身份证号码处理说明，单独勾选同意后再注册。" in response.text
    assert not User.objects.filter(username="wangxm").exists()


def test_registration_page_shows_the_notice_with_an_unticked_box(client, hospital):
    response = client.get(reverse("accounts:register"))

    box = re.search(r'<input[^>]*name="id_number_consent"[^>]*>', response.text).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert "身份证号码属于敏感个人信息" in response.text


def test_registration_records_the_consent_version_and_time(
    client, hospital, django_capture_on_commit_callbacks
):
    code = _send_code(client, "13800138000", django_capture_on_commit_callbacks)

    client.post(reverse("accounts:register"), _form(hospital, code))

    user = User.objects.get(username="wangxm")
    assert user.id_number_consent_version == ID_NUMBER_CONSENT_VERSION
    assert user.id_number_consent_at is not None


# Issue 18 item 8: after one mistake the page keeps a code that is still valid.


def _code_input(html):
    return re.search(r'<input[^>]*name="sms_code"[^>]*>', html).group(0)


def test_a_mistake_elsewhere_keeps_the_typed_code_on_the_page(
    client, hospital, django_capture_on_commit_callbacks
):
    code = _send_code(client, "13800138000", django_capture_on_commit_callbacks)

    response = client.post(reverse("accounts:register"), _form(hospital, code, password2="other"))

    assert f'value="{code}"' in _code_input(response.text)


def test_a_wrong_code_is_not_kept(client, hospital, django_capture_on_commit_callbacks):
    _send_code(client, "13800138000", django_capture_on_commit_callbacks)

    response = client.post(reverse("accounts:register"), _form(hospital, "000000"))

    assert "value=" not in _code_input(response.text)


def test_the_code_input_has_one_maxlength(client, hospital):
    tag = _code_input(client.get(reverse("accounts:register")).text)

    assert tag.count("maxlength=") == 1
    assert 'maxlength="6"' in tag
