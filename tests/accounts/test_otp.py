"""动态口令: auditors (staff) reach the admin, or anything, only with a verified TOTP."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import AuditorTOTPDevice
from tests.captcha import solved_captcha
from tests.factories import PASSWORD

pytestmark = pytest.mark.real_otp


def _token(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def auditor_device(auditor):
    return AuditorTOTPDevice.objects.create(user=auditor, name="app", confirmed=True)


def test_auditor_without_totp_cannot_open_admin(client, auditor):
    client.force_login(auditor)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp"))
    assert client.get("/admin/accounts/user/").status_code == 302


def test_auditor_without_totp_cannot_open_auditor_pages_outside_admin(client, auditor):
    client.force_login(auditor)

    assert client.get("/accounts/profile/").url.startswith(reverse("accounts:otp"))


def test_auditor_enrols_an_authenticator_and_then_opens_admin(client, auditor):
    client.force_login(auditor)
    page = client.get(reverse("accounts:otp") + "?next=/admin/")
    assert "绑定身份验证器" in page.text
    qr = client.get(reverse("accounts:otp_qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    draft = AuditorTOTPDevice.objects.get(user=auditor, confirmed=False)
    assert page.context["secret"].replace(" ", "") in draft.config_url

    response = client.post(reverse("accounts:otp"), {"otp_token": _token(draft), "next": "/admin/"})

    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    draft.refresh_from_db()
    assert draft.confirmed


def test_wrong_code_does_not_enrol(client, auditor):
    client.force_login(auditor)
    client.get(reverse("accounts:otp"))
    draft = AuditorTOTPDevice.objects.get(user=auditor, confirmed=False)
    wrong = "000000" if _token(draft) != "000000" else "111111"

    response = client.post(reverse("accounts:otp"), {"otp_token": wrong})

    assert "动态口令错误" in response.text
    assert client.get("/admin/").status_code == 302


def test_hospital_user_has_no_totp_page(client, alice):
    client.force_login(alice)

    assert client.get(reverse("accounts:otp")).status_code == 404
    assert client.get(reverse("accounts:otp_qr")).status_code == 404


def test_auditor_with_a_device_signs_in_with_password_then_totp(client, auditor_device):
    client.post(
        reverse("accounts:login"),
        {"username": "auditor", "password": PASSWORD, "next": "/admin/", **solved_captcha()},
    )
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    response = client.post(reverse("accounts:login_verify"), {"otp_token": _token(auditor_device)})

    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_auditor_with_a_device_and_a_wrong_code_is_not_signed_in(client, auditor_device):
    client.post(
        reverse("accounts:login"),
        {"username": "auditor", "password": PASSWORD, **solved_captcha()},
    )
    wrong = "000000" if _token(auditor_device) != "000000" else "111111"

    response = client.post(reverse("accounts:login_verify"), {"otp_token": wrong})

    assert "动态口令错误" in response.text
    assert "_auth_user_id" not in client.session


def test_setup_totp_command_prints_the_secret(auditor, capsys):
    call_command("setup_totp", "auditor")

    device = AuditorTOTPDevice.objects.get(user=auditor, confirmed=True)
    assert device.config_url in capsys.readouterr().out


def test_admin_login_page_sends_a_signed_in_auditor_to_totp(client, auditor):
    client.force_login(auditor)

    response = client.get("/admin/login/?next=/admin/")

    assert response.url.startswith(reverse("accounts:otp"))


@pytest.mark.django_db
def test_conftest_helper_is_off_for_real_otp_tests(client, auditor):
    client.force_login(auditor)

    assert "otp_device_id" not in client.session
