"""Staff secrets (issue 19 item 8): TOTP seeds sealed at rest and never shown again; auditors
are not superusers and cannot make themselves one; 增加用户 in the admin works."""

import importlib
from base64 import b32encode
from binascii import hexlify

import pytest
from django.apps import apps
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import crypto
from accounts.models import AuditorTOTPDevice, User
from tests.factories import AuditorFactory, UserFactory

SEAL_MIGRATION = importlib.import_module("accounts.migrations.0007_auditor_totp_sealed")


@pytest.fixture
def auditor_b(db):
    return AuditorFactory(username="reviewer")


@pytest.fixture
def device(auditor):
    return AuditorTOTPDevice.objects.create(user=auditor, name="app", confirmed=True)


def _stored_key(device):
    return TOTPDevice.objects.filter(pk=device.pk).values_list("key", flat=True).get()


def test_the_stored_seed_is_sealed_not_the_secret(device):
    stored = _stored_key(device)

    assert stored.startswith(crypto.PREFIX)
    assert hexlify(device.bin_key).decode() not in stored
    assert len(stored) <= 80  # django-otp's column


def test_a_sealed_seed_still_checks_codes(device):
    device = AuditorTOTPDevice.objects.get(pk=device.pk)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)

    assert device.verify_token(f"{code:06d}")


def test_the_migration_seals_existing_seeds_and_can_open_them_again(auditor):
    clear = TOTPDevice.objects.create(user=auditor, name="old", confirmed=True)
    secret = clear.bin_key

    SEAL_MIGRATION.seal_keys(apps, None)
    sealed = AuditorTOTPDevice.objects.get(pk=clear.pk)
    assert sealed.key.startswith(crypto.PREFIX) and sealed.bin_key == secret

    SEAL_MIGRATION.open_keys(apps, None)
    assert TOTPDevice.objects.get(pk=clear.pk).key == hexlify(secret).decode()


def test_the_admin_never_shows_a_seed(client, auditor, device):
    client.force_login(auditor)
    secret_forms = (hexlify(device.bin_key).decode(), b32encode(device.bin_key).decode())

    pages = [
        client.get(reverse("admin:accounts_auditortotpdevice_changelist")),
        client.get(reverse("admin:accounts_auditortotpdevice_change", args=[device.pk])),
    ]

    for page in pages:
        assert page.status_code == 200
        assert not any(secret in page.text for secret in secret_forms)
        assert _stored_key(device) not in page.text
        assert "qrcode" not in page.text.lower()
    # django-otp's own admin (secret and QR code) is gone.
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_a_device_cannot_be_added_or_edited_in_the_admin(client, auditor, device):
    client.force_login(auditor)

    assert client.get(reverse("admin:accounts_auditortotpdevice_add")).status_code == 403
    page = client.get(reverse("admin:accounts_auditortotpdevice_change", args=[device.pk]))
    assert 'name="key"' not in page.text and 'type="submit" value="保存"' not in page.text


# Auditors are not superusers.


def test_the_auditor_group_can_review(client, auditor, institution_a):
    client.force_login(auditor)

    for name in (
        "admin:index",
        "admin:accounts_identityverification_changelist",
        "admin:institutions_institutionapplication_changelist",
        "admin:surveys_report_changelist",
        "admin:casesets_thrombolysiscase_changelist",
        "admin:binding_legacyrecord_changelist",
        "admin:audit_auditevent_changelist",
        "admin:accounts_user_changelist",
    ):
        assert client.get(reverse(name)).status_code == 200, name


def test_an_auditor_cannot_add_users_or_touch_staff_accounts(client, auditor_b, auditor):
    client.force_login(auditor_b)

    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    for account in (auditor, auditor_b):
        change = reverse("admin:accounts_user_change", args=[account.pk])
        password = reverse("admin:auth_user_password_change", args=[account.pk])
        assert client.post(change, {"is_superuser": "on"}).status_code == 403
        assert client.get(password).status_code == 403
    auditor_b.refresh_from_db()
    assert not auditor_b.is_superuser


def test_an_auditor_cannot_grant_privileges_to_a_hospital_account(client, auditor_b, alice):
    client.force_login(auditor_b)

    page = client.get(reverse("admin:accounts_user_change", args=[alice.pk])).text

    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page


# 增加用户 (superuser).


def _add(client, **fields):
    data = {
        "username": "newcomer2",
        "real_name": "新同事",
        "usable_password": "true",
        "password1": "Stroke-Registry-2026",
        "password2": "Stroke-Registry-2026",
        "role": User.Role.HOSPITAL_USER,
        **fields,
    }
    return client.post(reverse("admin:accounts_user_add"), data)


def test_adding_a_hospital_account_without_an_institution_is_a_form_error(client, superuser):
    client.force_login(superuser)

    response = _add(client)

    assert response.status_code == 200
    assert "医院账号须选择所属单位" in response.text
    assert not User.objects.filter(username="newcomer2").exists()


def test_adding_accounts_works(client, superuser, institution_a):
    client.force_login(superuser)

    assert _add(client, institution=institution_a.pk).status_code == 302
    assert _add(client, username="reviewer2", is_staff="on").status_code == 302

    assert User.objects.get(username="newcomer2").institution == institution_a
    reviewer = User.objects.get(username="reviewer2")
    assert reviewer.is_staff and not reviewer.is_superuser
    assert list(reviewer.groups.values_list("name", flat=True)) == ["审核员"]


def test_a_superuser_may_still_change_staff(client, superuser, auditor_b):
    client.force_login(superuser)

    page = client.get(reverse("admin:accounts_user_change", args=[auditor_b.pk]))

    assert page.status_code == 200
    assert 'name="is_superuser"' in page.text


def test_hospital_accounts_are_unaffected(client, auditor_b, institution_a):
    hospital = UserFactory(institution=institution_a)
    client.force_login(auditor_b)

    page = client.get(reverse("admin:accounts_user_change", args=[hospital.pk]))

    assert page.status_code == 200


def test_the_device_list_speaks_chinese(client, auditor, device):
    client.force_login(auditor)

    page = client.get(reverse("admin:accounts_auditortotpdevice_changelist")).text

    for english in ("Confirmed", "Created at", "Last used at"):
        assert english.lower() not in page.lower()
    assert "最近使用" in page
