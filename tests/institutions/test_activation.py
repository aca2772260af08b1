"""账号激活: the approved applicant becomes the institution admin."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.consent import ID_NUMBER_CONSENT_VERSION
from accounts.models import User
from accounts.sms.backends import locmem
from institutions.applications import approve_application
from institutions.models import InstitutionApplication
from tests.captcha import solved_captcha

from .applications import APPLICANT_MOBILE, make_application
from .applications import sms_code as _sms_code

PASSWORD = "Stroke-Registry-2026"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    return locmem.outbox


@pytest.fixture
def approved(db, auditor, django_capture_on_commit_callbacks):
    """An approved application and the activation code texted to the applicant."""
    application = make_application(status=InstitutionApplication.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        approve_application(application=application, auditor=auditor)
    code = re.search(r"激活码为([2-9A-Z]{8})", locmem.outbox[-1].text).group(1)
    application.refresh_from_db()
    return application, code


def _activate(client, capture, activation_code, **overrides):
    code = _sms_code(client, APPLICANT_MOBILE, "activate", capture)
    data = {
        "mobile": APPLICANT_MOBILE,
        "sms_code": code,
        "activation_code": activation_code,
        "username": "dongcheng_admin",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **solved_captcha(),
        **overrides,
    }
    return client.post(reverse("accounts:activate"), data)


def test_activation_creates_the_institution_admin_and_signs_in(
    client, approved, django_capture_on_commit_callbacks
):
    application, code = approved

    response = _activate(client, django_capture_on_commit_callbacks, code.lower())

    user = User.objects.get(username="dongcheng_admin")
    assert response.url == reverse("welcome")
    assert user.role == User.Role.INSTITUTION_ADMIN
    assert user.origin == User.Origin.ACTIVATION
    assert user.institution == application.institution
    assert user.mobile == APPLICANT_MOBILE and user.real_name == application.applicant_name
    assert not user.needs_verification and user.can_see_institution_data
    assert client.get(reverse("welcome")).context["user"] == user


def test_activated_admin_sees_the_registry_menu(
    client, approved, django_capture_on_commit_callbacks
):
    _activate(client, django_capture_on_commit_callbacks, approved[1])

    menu = client.get(reverse("welcome")).context["menu_groups"]

    labels = {item["label"] for group in menu for item in group["items"]}
    assert "本单位用户" in labels and "个人中心" in labels
    assert "个人身份认证" not in labels


def test_activation_happens_once(client, approved, django_capture_on_commit_callbacks):
    application, code = approved
    _activate(client, django_capture_on_commit_callbacks, code)
    client.logout()
    User.objects.filter(username="dongcheng_admin").update(mobile="")
    from accounts.models import SmsCode

    SmsCode.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    response = _activate(client, django_capture_on_commit_callbacks, code, username="second_admin")

    assert "没有待激活的单位注册申请" in response.content.decode()
    assert not User.objects.filter(username="second_admin").exists()


def test_wrong_activation_code_refused_and_counted(
    client, approved, django_capture_on_commit_callbacks
):
    application, _code = approved

    response = _activate(client, django_capture_on_commit_callbacks, "AAAAAAAA")

    application.refresh_from_db()
    assert "激活码错误" in response.content.decode()
    assert application.activation_attempts == 1
    assert not User.objects.filter(username="dongcheng_admin").exists()


def test_activation_code_burnt_after_too_many_wrong_tries(
    client, approved, django_capture_on_commit_callbacks
):
    application, code = approved
    InstitutionApplication.objects.filter(pk=application.pk).update(activation_attempts=5)

    response = _activate(client, django_capture_on_commit_callbacks, code)

    assert "错误次数过多" in response.content.decode()
    assert not User.objects.filter(username="dongcheng_admin").exists()


def test_expired_activation_code_refused(client, approved, django_capture_on_commit_callbacks):
    application, code = approved
    InstitutionApplication.objects.filter(pk=application.pk).update(
        activation_expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = _activate(client, django_capture_on_commit_callbacks, code)

    assert "激活码已过期" in response.content.decode()


def test_activation_needs_the_sms_code(client, approved):
    response = client.post(
        reverse("accounts:activate"),
        {
            "mobile": APPLICANT_MOBILE,
            "sms_code": "000000",
            "activation_code": approved[1],
            "username": "dongcheng_admin",
            "password1": PASSWORD,
            "password2": PASSWORD,
            **solved_captcha(),
        },
    )

    assert "验证码错误" in response.content.decode()
    assert not User.objects.filter(username="dongcheng_admin").exists()


def test_login_page_links_to_institution_register_and_activation(client, db):
    html = client.get(reverse("accounts:login")).content.decode()

    assert reverse("institutions:register") in html and reverse("accounts:activate") in html


def test_user_registration_links_to_institution_register(client, db):
    html = client.get(reverse("accounts:register")).content.decode()

    assert "没有单位可选?" in html and reverse("institutions:register") in html


def test_activated_admin_keeps_the_applicants_id_number_consent(
    client, auditor, django_capture_on_commit_callbacks
):
    consented_at = timezone.now() - timedelta(days=3)
    application = make_application(
        status=InstitutionApplication.Status.PENDING,
        applicant_consent_version=ID_NUMBER_CONSENT_VERSION,
        applicant_consent_at=consented_at,
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve_application(application=application, auditor=auditor)
    code = re.search(r"激活码为([2-9A-Z]{8})", locmem.outbox[-1].text).group(1)

    _activate(client, django_capture_on_commit_callbacks, code)

    user = User.objects.get(username="dongcheng_admin")
    assert user.id_number_consent_version == ID_NUMBER_CONSENT_VERSION
    assert user.id_number_consent_at == consented_at


def test_activation_records_the_first_password(
    client, approved, django_capture_on_commit_callbacks
):
    # Issue 19 item 5: the first password is in the history (reuse rule, expiry).
    from accounts.models import PasswordHistory

    _activate(client, django_capture_on_commit_callbacks, approved[1])

    user = User.objects.get(username="dongcheng_admin")
    assert list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)) == [
        user.password
    ]
