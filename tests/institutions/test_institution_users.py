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


def _url(member):
    return reverse("institutions:user_set_active", args=[member.username])


def _toggle(client, member, active):
    """启用, or 停用 as confirmed on its confirmation page."""
    data = {"active": "1"} if active else {"active": "0", "confirm": "1"}
    return client.post(_url(member), data)


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

    assert _toggle(client, colleague, active=False).status_code == 404
    colleague.refresh_from_db()
    assert colleague.is_active


# Issue 19 item 2: the answer never tells which usernames exist.


def _answers(client, username):
    url = reverse("institutions:user_set_active", args=[username])
    return client.get(url).status_code, client.post(url, {"active": "0"}).status_code


def test_a_hospital_user_gets_the_same_answer_for_a_colleague_and_a_stranger_name(
    client, alice, colleague
):
    client.force_login(alice)

    assert _answers(client, "colleague") == _answers(client, "nobody_here") == (404, 404)


def test_an_admin_gets_the_same_answer_for_another_institution_and_a_stranger_name(
    client, alice_admin, bob
):
    client.force_login(alice_admin)

    assert _answers(client, "bob") == _answers(client, "nobody_here") == (404, 404)


def test_an_auditor_gets_the_same_answer_for_any_username(client, auditor, colleague):
    client.force_login(auditor)

    assert _answers(client, "colleague") == _answers(client, "nobody_here") == (403, 403)


def test_stop_asks_for_confirmation_first(client, alice_admin, colleague):
    client.force_login(alice_admin)

    listed = client.get(reverse("institutions:users")).text
    response = client.get(_url(colleague))

    assert f'href="{_url(colleague)}">停用</a>' in listed
    assert response.status_code == 200
    assert "确定要停用 同事甲（colleague）的账号吗？" in response.text
    assert 'name="confirm" value="1"' in response.text
    colleague.refresh_from_db()
    assert colleague.is_active


def test_a_post_without_confirmation_stops_nothing(client, alice_admin, colleague):
    client.force_login(alice_admin)

    response = client.post(_url(colleague), {"active": "0"})

    colleague.refresh_from_db()
    assert colleague.is_active
    assert response.status_code == 200 and "确认停用" in response.text


def test_confirmed_stop_says_so_on_the_list(client, alice_admin, colleague):
    client.force_login(alice_admin)

    response = _toggle(client, colleague, active=False)

    assert response.url == reverse("institutions:users")
    assert "已停用 " in client.get(response.url).text


def test_restoring_needs_no_confirmation(client, alice_admin, colleague):
    colleague.is_active = False
    colleague.save()
    client.force_login(alice_admin)

    client.post(_url(colleague), {"active": "1"})

    colleague.refresh_from_db()
    assert colleague.is_active


def test_confirmation_page_of_a_stopped_account_goes_back_to_the_list(
    client, alice_admin, colleague
):
    colleague.is_active = False
    colleague.save()
    client.force_login(alice_admin)

    assert client.get(_url(colleague)).url == reverse("institutions:users")


def test_another_institution_gets_404_for_the_confirmation_page(client, alice_admin, bob):
    client.force_login(alice_admin)

    assert client.get(_url(bob)).status_code == 404


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
