"""密码策略: length, character classes, no reuse, expiry — on every form that sets one."""

from datetime import timedelta

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordHistory
from accounts.passwords import password_expired
from tests.factories import PASSWORD


def _change(client, old, new):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(
    "password",
    ["Short-1", "alllowercase-only", "NoDigitsOrSymbols", "12345678901"],
)
def test_weak_passwords_are_refused(password, db):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password)


@pytest.mark.parametrize("password", ["Correct-horse", "correct-horse-42", "CorrectHorse42"])
def test_three_of_four_classes_are_enough(password, db):
    password_validation.validate_password(password)


def test_a_64_character_passphrase_is_accepted(db):
    password_validation.validate_password("Long passphrase " * 4)


def test_the_rules_are_listed_in_chinese():
    text = " ".join(password_validation.password_validators_help_texts())

    assert "至少3类" in text
    assert "最近5次" in text


def test_policy_follows_the_settings(settings, db):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "accounts.passwords.CharacterClassesValidator",
            "OPTIONS": {"min_classes": 4},
        }
    ]

    with pytest.raises(ValidationError):
        password_validation.validate_password("Correct-horse")


def test_change_refuses_a_password_of_only_two_classes(client, alice):
    client.force_login(alice)

    response = _change(client, PASSWORD, "onlylowercase42")

    assert "至少3类" in response.text
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_change_refuses_the_current_password(client, alice):
    client.force_login(alice)

    response = _change(client, PASSWORD, PASSWORD)

    assert "最近5次" in response.text


def test_change_refuses_any_of_the_last_five(client, alice):
    client.force_login(alice)
    passwords = [f"Rotating-Pass-{n}" for n in range(5)]
    old = PASSWORD
    for new in passwords:
        assert _change(client, old, new).status_code == 302
        old = new

    # PASSWORD was six passwords ago: allowed again; the second of the five is not.
    assert "最近5次" in _change(client, old, passwords[1]).text
    assert _change(client, old, PASSWORD).status_code == 302


def test_every_new_password_is_recorded(alice):
    alice.set_password("Another-Pass-9")
    alice.save()

    assert PasswordHistory.objects.filter(user=alice).count() == 2
    assert not any(
        "Another-Pass-9" in h for h in PasswordHistory.objects.values_list("password", flat=True)
    )


def test_forgotten_password_form_applies_the_policy(alice):
    from accounts.forms.recovery import ResetPasswordForm

    form = ResetPasswordForm(alice, {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert not form.is_valid()
    assert "最近5次" in str(form.errors)


def test_password_older_than_the_limit_is_expired(alice, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    PasswordHistory.objects.filter(user=alice).update(
        created_at=timezone.now() - timedelta(days=91)
    )

    assert password_expired(alice)


def test_expiry_zero_means_never(alice, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    PasswordHistory.objects.filter(user=alice).update(
        created_at=timezone.now() - timedelta(days=3650)
    )

    assert not password_expired(alice)


def test_expired_password_must_be_changed_before_anything_else(client, alice):
    PasswordHistory.objects.filter(user=alice).update(
        created_at=timezone.now() - timedelta(days=91)
    )
    client.force_login(alice)

    response = client.get("/registry/")
    assert response.url == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200

    _change(client, PASSWORD, "Fresh-Password-2027")
    assert client.get("/registry/").status_code == 200


# Issue 18 item 9: 修改密码 and 设置新密码 under 1 s — Argon2, and no hash checked twice.


def test_new_passwords_are_hashed_with_argon2():
    # The suite swaps in MD5 for speed (conftest); the deployed order is in the settings module.
    import registry.settings

    assert registry.settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in registry.settings.PASSWORD_HASHERS


@pytest.fixture
def counted_hashes(monkeypatch):
    """How many stored password hashes the reuse rule compares a new password with."""
    import accounts.passwords

    checked = []
    real = accounts.passwords.check_password

    def check(password, encoded, *args, **kwargs):
        checked.append(encoded)
        return real(password, encoded, *args, **kwargs)

    monkeypatch.setattr(accounts.passwords, "check_password", check)
    return checked


def _full_history(user):
    passwords = [f"History-Pass-{n}" for n in range(1, 6)]
    for password in passwords:
        user.set_password(password)
        user.save()
    return passwords


def test_reset_compares_each_remembered_password_once(alice, counted_hashes):
    from accounts.forms.recovery import ResetPasswordForm

    _full_history(alice)
    form = ResetPasswordForm(
        alice, {"new_password1": "Fresh-Pass-77", "new_password2": "Fresh-Pass-77"}
    )

    assert form.is_valid()
    # Five passwords remembered, the current one among them: five hashes, not six.
    assert len(counted_hashes) == 5
    assert len(set(counted_hashes)) == 5


def test_change_does_not_hash_the_current_password_again(client, alice, counted_hashes):
    passwords = _full_history(alice)
    client.force_login(alice)

    assert _change(client, passwords[-1], "Fresh-Pass-77").status_code == 302
    # The current password was just checked as 当前密码: only the four older ones are hashed.
    assert len(counted_hashes) == 4


def test_change_still_refuses_the_current_and_older_passwords(client, alice):
    passwords = _full_history(alice)
    client.force_login(alice)

    assert "最近5次" in _change(client, passwords[-1], passwords[-1]).text
    assert "最近5次" in _change(client, passwords[-1], passwords[0]).text


def test_a_rehash_at_sign_in_keeps_the_history_in_step(alice, settings):
    # An account stored with PBKDF2 signs in after the switch to Argon2 (MD5 stands in for
    # Argon2 here, as everywhere in the suite): its history row is rehashed with it.
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    pbkdf2 = make_password("Legacy-Pass-1", hasher="pbkdf2_sha256")
    type(alice).objects.filter(pk=alice.pk).update(password=pbkdf2)
    PasswordHistory.objects.filter(user=alice).update(password=pbkdf2)
    alice.refresh_from_db()

    assert alice.check_password("Legacy-Pass-1")
    alice.refresh_from_db()
    assert alice.password.startswith("md5$")
    assert list(PasswordHistory.objects.filter(user=alice).values_list("password", flat=True)) == [
        alice.password
    ]
