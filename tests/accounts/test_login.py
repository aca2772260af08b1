from django.urls import reverse

from tests.factories import PASSWORD


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


def test_login_with_right_password_opens_welcome(client, alice):
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("welcome")
    assert "爱丽丝，您好！" in response.text


def test_login_with_wrong_password_says_so_in_chinese(client, alice):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "用户名或密码错误" in response.text
    assert "_auth_user_id" not in client.session


def test_disabled_account_cannot_sign_in(client, alice):
    alice.is_active = False
    alice.save()

    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "用户名或密码错误" in response.text


def test_login_does_not_redirect_off_site(client, alice):
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.url == reverse("welcome")


def test_logout_is_a_post(client, alice):
    client.force_login(alice)

    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_login_page_has_the_manual_header(client, db):
    response = client.get(reverse("accounts:login"))

    assert "国家卫生健康委脑卒中防治工程" in response.text
    assert "STROKE PREVENTION PROJECT, NATIONAL HEALTH COMMISSION" in response.text
    assert "账号登录" in response.text
