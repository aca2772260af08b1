"""本单位用户: the institution admin sees the institution's accounts and stops one."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def colleague(institution_a):
    return UserFactory(
        username="colleague", real_name="同事甲", mobile="13512345678", institution=institution_a
    )


def _toggle(client, member, active):
    url = reverse("institutions:user_set_active", args=[member.username])
    return client.post(url, {"active": "1" if active else "0"})


def test_admin_sees_the_users_of_the_institution_masked(client, alice_admin, colleague, bob):
    client.force_login(alice_admin)

    html = client.get(reverse("institutions:users")).content.decode()

    assert "colleague" in html and "同事甲" in html
    assert "135****5678" in html and "13512345678" not in html
    assert "bob" not in html


def test_hospital_user_gets_403(client, alice):
    client.force_login(alice)

    assert client.get(reverse("institutions:users")).status_code == 403


def test_admin_stops_and_restores_a_colleague(client, alice_admin, colleague):
    client.force_login(alice_admin)

    _toggle(client, colleague, active=False)
    colleague.refresh_from_db()
    assert not colleague.is_active

    _toggle(client, colleague, active=True)
    colleague.refresh_from_db()
    assert colleague.is_active


def test_stopped_colleague_is_signed_out(client, alice_admin, colleague):
    from django.test import Client

    other = Client()
    other.force_login(colleague)
    client.force_login(alice_admin)

    _toggle(client, colleague, active=False)

    assert other.get(reverse("accounts:profile")).status_code == 302


def test_admin_cannot_stop_themselves(client, alice_admin):
    client.force_login(alice_admin)

    response = _toggle(client, alice_admin, active=False)

    alice_admin.refresh_from_db()
    assert alice_admin.is_active
    assert response.status_code == 302


def test_user_of_another_institution_is_404(client, alice_admin, bob):
    client.force_login(alice_admin)

    response = _toggle(client, bob, active=False)

    bob.refresh_from_db()
    assert response.status_code == 404 and bob.is_active


def test_hospital_user_cannot_stop_a_colleague(client, alice, colleague):
    client.force_login(alice)

    assert _toggle(client, colleague, active=False).status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_active


def test_menu_entry_only_for_institution_admins(client, alice_admin, alice):
    client.force_login(alice_admin)
    admin_menu = client.get(reverse("welcome")).content.decode()
    client.force_login(alice)
    user_menu = client.get(reverse("welcome")).content.decode()

    assert "本单位用户" in admin_menu and "本单位用户" not in user_menu


def test_list_query_count_is_bounded(client, alice_admin, django_assert_max_num_queries):
    for _ in range(10):
        UserFactory(institution=alice_admin.institution)
    client.force_login(alice_admin)

    with django_assert_max_num_queries(12):
        client.get(reverse("institutions:users"))
    assert User.objects.filter(institution=alice_admin.institution).count() == 11
