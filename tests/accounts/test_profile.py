from django.urls import reverse

from tests.factories import PASSWORD


def test_profile_masks_id_number_and_mobile(client, alice):
    alice.id_number = "11010519491231002X"
    alice.mobile = "13800138000"
    alice.save()
    client.force_login(alice)

    response = client.get(reverse("accounts:profile"))

    assert "1101**********002X" in response.text
    assert "138****8000" in response.text
    assert "11010519491231002X" not in response.text
    assert "13800138000" not in response.text


def test_profile_requires_login(client, db):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_password_change_needs_the_old_password(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "not-it",
            "new_password1": "N3w-Passw0rd!",
            "new_password2": "N3w-Passw0rd!",
        },
    )

    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert "旧密码" in response.text


def test_password_change_sets_the_new_password(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "N3w-Passw0rd!",
            "new_password2": "N3w-Passw0rd!",
        },
    )

    alice.refresh_from_db()
    assert response.url == reverse("accounts:profile")
    assert alice.check_password("N3w-Passw0rd!")


def test_password_change_refuses_a_weak_password(client, alice):
    client.force_login(alice)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert "这个密码太常见了" in response.text or "全都是数字" in response.text
