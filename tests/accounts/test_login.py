from django.urls import reverse

from tests.captcha import solved_captcha
from tests.factories import PASSWORD


def _login(client, username, password, **extra):
    data = {"username": username, "password": password, **solved_captcha(), **extra}
    return client.post(reverse("accounts:login"), data, REMOTE_ADDR=extra.pop("ip", "10.0.0.1"))


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


def test_login_with_right_password_opens_welcome(client, alice):
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD, **solved_captcha()},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("welcome")
    assert "爱丽丝，您好！" in response.text


def test_login_with_wrong_password_says_so_in_chinese(client, alice):
    response = _login(client, "alice", "wrong")

    assert response.status_code == 200
    assert "用户名或密码错误" in response.text
    assert "_auth_user_id" not in client.session


def test_disabled_account_cannot_sign_in(client, alice):
    alice.is_active = False
    alice.save()

    response = _login(client, "alice", PASSWORD)

    assert "_auth_user_id" not in client.session
    assert "用户名或密码错误" in response.text


def test_login_does_not_redirect_off_site(client, alice):
    response = _login(client, "alice", PASSWORD, next="https://evil.example/")

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


def test_login_without_the_captcha_is_refused_before_the_password_is_checked(client, alice):
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "wrong", "captcha_0": "x", "captcha_1": "nope"},
    )

    assert "验证码错误" in response.text
    assert "用户名或密码错误" not in response.text
    assert "_auth_user_id" not in client.session


def test_a_captcha_answer_works_only_once(client, alice):
    captcha = solved_captcha()
    client.post(reverse("accounts:login"), {"username": "alice", "password": "x", **captcha})

    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": PASSWORD, **captcha}
    )

    assert "验证码错误" in response.text
    assert "_auth_user_id" not in client.session


def test_sixth_attempt_in_15_minutes_is_refused_even_with_the_right_password(client, alice):
    for _ in range(5):
        _login(client, "alice", "wrong")

    response = _login(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "登录已暂时锁定" in response.text
    assert "请于" in response.text
    assert "_auth_user_id" not in client.session


def test_lockout_holds_for_the_username_from_another_address(client, alice):
    for _ in range(5):
        _login(client, "alice", "wrong", ip="10.0.0.1")

    response = _login(client, "alice", PASSWORD, ip="10.9.9.9")

    assert response.status_code == 429


def test_lockout_holds_for_the_address_with_other_usernames(client, alice, bob):
    for n in range(5):
        _login(client, f"nobody{n}", "wrong", ip="10.0.0.7")

    response = _login(client, "bob", PASSWORD, ip="10.0.0.7")

    assert response.status_code == 429


def test_lock_ends_after_15_minutes(client, alice):
    import datetime

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(5):
        _login(client, "alice", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    _login(client, "alice", PASSWORD)

    assert "_auth_user_id" in client.session


def test_auditor_can_unlock_in_admin(client, alice, auditor):
    from axes.models import AccessAttempt

    for _ in range(5):
        _login(client, "alice", "wrong")
    client.force_login(auditor)
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    attempt = AccessAttempt.objects.get(username="alice")
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    client.logout()

    _login(client, "alice", PASSWORD)

    assert changelist.status_code == 200 and "alice" in changelist.text
    assert "_auth_user_id" in client.session
