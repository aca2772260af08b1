"""Session lifetime: idle and absolute limits, password changes, stopped accounts."""

import time

from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.sessions import LOGIN_AT
from tests.factories import PASSWORD

NEW_PASSWORD = "Brand-New-Pass-77"


def _signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_idle_limit_is_30_minutes_renewed_by_every_request():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_idle_session_ends(alice):
    client = _signed_in(alice)
    session = client.session
    # As if the last request was 31 minutes ago.
    session.set_expiry(-60)
    session.save()

    assert client.get("/registry/").status_code == 302


def test_session_ends_12_hours_after_sign_in_however_busy(alice):
    client = _signed_in(alice)
    session = client.session
    session[LOGIN_AT] = time.time() - 12 * 60 * 60 - 1
    session.save()

    response = client.get("/registry/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_session_within_12_hours_stays(alice):
    client = _signed_in(alice)
    session = client.session
    session[LOGIN_AT] = time.time() - 11 * 60 * 60
    session.save()

    assert client.get("/registry/").status_code == 200


def test_password_change_ends_other_sessions_but_not_this_one(alice):
    here, elsewhere = _signed_in(alice), _signed_in(alice)

    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert here.get("/registry/").status_code == 200
    assert elsewhere.get("/registry/").status_code == 302


def test_stopping_an_account_ends_its_sessions(alice, alice_admin):
    client = _signed_in(alice)
    key = client.session.session_key
    from django.contrib.sessions.models import Session

    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert not Session.objects.filter(session_key=key).exists()
    # Restoring the account does not bring the session back.
    alice.is_active = True
    alice.save(update_fields=["is_active"])
    assert client.get("/registry/").status_code == 302


def test_stopping_one_account_leaves_the_others(alice, bob):
    client = _signed_in(bob)

    alice.is_active = False
    alice.save()

    assert client.get("/registry/").status_code == 200


def test_stopped_session_is_flushed_even_if_not_stored_in_the_database(alice, settings):
    client = _signed_in(alice)
    # Stopped without a save() signal (a bulk update).
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)

    client.get("/registry/")

    assert "_auth_user_id" not in client.session


def test_password_change_needs_the_current_password(alice):
    client = _signed_in(alice)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_five_wrong_current_passwords_sign_out(alice):
    """A borrowed session cannot be used to guess the password on 修改密码."""
    client = _signed_in(alice)
    data = {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for _ in range(4):
        assert client.post(reverse("accounts:password_change"), data).status_code == 200

    response = client.post(reverse("accounts:password_change"), data)

    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_five_wrong_current_passwords_on_mobile_change_sign_out(alice):
    client = _signed_in(alice)
    data = {"mobile": "13900139000", "password": "wrong", "sms_code": "123456"}
    for _ in range(4):
        client.post(reverse("accounts:mobile_change"), data)

    response = client.post(reverse("accounts:mobile_change"), data)

    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
