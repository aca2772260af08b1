"""Issue 19 item 5: the first password of every account is in the password history, so the
reuse rule and expiry apply to it like to any later one — whatever created the account."""

from datetime import timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordHistory, User
from accounts.passwords import password_expired, password_set_at
from tests.factories import InstitutionFactory, region

from .registration import PASSWORD, register, sms_code

FIRST = PASSWORD
SECOND = "Second-Password-42"


@pytest.fixture
def registered(client, regions, texts_per_request):
    """An account made by 用户注册 with the password FIRST; the client is signed in."""
    hospital = InstitutionFactory(name="东城医院", region=region("110101"))
    response = register(client, hospital, sms_code(client))
    assert response.status_code == 302
    return User.objects.get(username="wangxm")


def _history(user):
    return list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))


def _change(client, old, new):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_registration_records_the_first_password(registered):
    assert _history(registered) == [registered.password]


def test_a_registered_account_cannot_go_back_to_its_first_password(client, registered):
    assert _change(client, FIRST, SECOND).status_code == 302

    response = _change(client, SECOND, FIRST)

    assert "最近5次" in response.text
    registered.refresh_from_db()
    assert registered.check_password(SECOND)


def test_expiry_counts_from_the_first_password(registered, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    PasswordHistory.objects.filter(user=registered).update(
        created_at=timezone.now() - timedelta(days=91)
    )

    assert password_expired(registered)


def test_create_user_records_the_first_password(institution_a):
    user = User.objects.create_user("carol", password=FIRST, institution=institution_a)

    assert _history(user) == [user.password]
    assert password_set_at(user) is not None


def test_an_account_without_a_usable_password_has_no_history(institution_a):
    user = User.objects.create_user("dave", institution=institution_a)

    assert _history(user) == []


def test_a_save_that_does_not_set_the_password_records_nothing(alice):
    before = _history(alice)

    alice.real_name = "新名字"
    alice.save()
    alice.save(update_fields=["real_name"])

    assert _history(alice) == before


def test_createsuperuser_records_the_first_password(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", FIRST)

    call_command(
        "createsuperuser", "--noinput", "--username", "root", "--email", "root@example.org"
    )

    root = User.objects.get(username="root")
    assert root.check_password(FIRST)
    assert _history(root) == [root.password]


def test_seed_demo_accounts_have_their_first_password_recorded(db, tmp_path, monkeypatch, settings):
    settings.DEBUG = True  # seed_demo refuses production settings
    region("110101")
    region("440106")
    monkeypatch.setattr("accounts.demo.CREDENTIALS_FILE", tmp_path / "creds.txt")
    monkeypatch.setattr(
        "accounts.management.commands.seed_demo.CREDENTIALS_FILE", tmp_path / "creds.txt"
    )

    call_command("seed_demo", stdout=StringIO())

    users = list(User.objects.all())
    assert users
    assert all(_history(user) == [user.password] for user in users)


def test_the_migration_dates_an_unrecorded_first_password_from_the_account(institution_a, alice):
    from django.apps import apps

    migration = import_module("accounts.migrations.0008_date_first_passwords")
    joined = timezone.now() - timedelta(days=100)
    carol = User.objects.create_user("carol", password=FIRST, institution=institution_a)
    User.objects.filter(pk=carol.pk).update(date_joined=joined)
    PasswordHistory.objects.filter(user=carol).delete()
    recorded = list(PasswordHistory.objects.filter(user=alice).values_list("pk", flat=True))

    migration.date_first_passwords(apps, None)

    assert list(
        PasswordHistory.objects.filter(user=carol).values_list("created_at", flat=True)
    ) == [joined]
    assert password_expired(carol)
    assert list(PasswordHistory.objects.filter(user=alice).values_list("pk", flat=True)) == recorded
