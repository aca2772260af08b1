"""The verification gate (checklist 1.11): institution data only for verified members."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.urls("tests.accounts.gate_urls")


@pytest.mark.parametrize("persona", ["alice", "alice_admin"])
def test_verified_user_and_institution_admin_pass(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("gated"))

    assert response.status_code == 200
    assert user.institution.credit_code in response.text


@pytest.mark.parametrize("status", ["unverified", "pending", "rejected"])
def test_unverified_user_gets_the_prompt_and_403(client, newcomer, status):
    newcomer.verification_status = status
    newcomer.save()
    client.force_login(newcomer)

    response = client.get(reverse("gated"))

    assert response.status_code == 403
    assert "请先完成个人身份认证" in response.text


def test_prompt_shows_no_institution_data(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("gated"))

    assert newcomer.institution.credit_code not in response.text


def test_prompt_links_to_the_verification_page(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("gated"))

    assert f'href="{reverse("accounts:verification")}"' in response.text


def test_auditor_gets_403(client, auditor):
    client.force_login(auditor)

    response = client.get(reverse("gated"))

    assert response.status_code == 403
    assert "请先完成个人身份认证" not in response.text


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("gated"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_deactivated_member_is_signed_out_of_the_data(client, alice):
    client.force_login(alice)
    alice.is_active = False
    alice.save()

    response = client.get(reverse("gated"))

    assert response.status_code == 302
    assert alice.institution.credit_code not in response.text


def test_members_of_a_stopped_institution_see_no_data(alice):
    alice.institution.status = alice.institution.Status.DISABLED
    alice.institution.save()

    assert not alice.can_see_institution_data
