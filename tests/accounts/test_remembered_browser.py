"""记住此浏览器: after the SMS code on 登录验证, a ticked box spares that browser the code at
账号登录 for 7 days; a new password, 更换手机号, 停用 or 退出所有设备 revokes it."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import remembered
from accounts.models import AuditorTOTPDevice, RememberedBrowser, SmsCode, User
from audit.models import AuditEvent
from institutions.members import set_member_active
from tests.captcha import solved_captcha
from tests.factories import PASSWORD, UserFactory

COOKIE = "remembered_browser"
NEW_PASSWORD = "Stroke-Registry-2026"
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def outbox(settings, texts_per_request):
    settings.SMS_SECOND_FACTOR = True
    settings.REMEMBER_BROWSER_DAYS = 7
    settings.REMEMBER_BROWSER_COOKIE_NAME = COOKIE
    return texts_per_request


@pytest.fixture
def alice_mobile(alice):
    alice.mobile = "13800138000"
    alice.save()
    return alice


@pytest.fixture
def browser():
    """One browser: a test client that keeps its cookies between sign-ins."""
    return Client(HTTP_USER_AGENT=CHROME_ON_WINDOWS, REMOTE_ADDR="10.20.30.40")


def _code(outbox):
    return re.search(r"验证码为(\d{6})", outbox[-1].text).group(1)


def _password_login(client, username="alice", password=PASSWORD):
    data = {"username": username, "password": password, **solved_captcha()}
    return client.post(reverse("accounts:login"), data)


def _sign_in_with_code(client, outbox, *, remember, username="alice", password=PASSWORD):
    response = _password_login(client, username, password)
    assert response.url == reverse("accounts:login_verify")
    data = {"sms_code": _code(outbox)}
    if remember:
        data["remember_browser"] = "on"
    return client.post(reverse("accounts:login_verify"), data)


def _sign_out(client):
    """退出 as the page does (the test client's own logout() would drop every cookie)."""
    client.post(reverse("accounts:logout"))
    assert SESSION_KEY not in client.session


def _age_codes():
    """Let the 60 s between two codes to one mobile pass."""
    SmsCode.objects.update(created_at=timezone.now() - timedelta(minutes=5))


@pytest.fixture
def remembered_browser(browser, alice_mobile, outbox):
    """alice ticked 记住此浏览器 in ``browser`` and signed out again."""
    _sign_in_with_code(browser, outbox, remember=True)
    _sign_out(browser)
    _age_codes()
    return browser


def _asks_for_a_code(client, outbox, username="alice", password=PASSWORD):
    """Sign in with the password; True if 登录验证 asks for an SMS code (one was sent)."""
    sent = len(outbox)
    response = _password_login(client, username, password)
    asked = response.url == reverse("accounts:login_verify") and len(outbox) == sent + 1
    assert asked or response.url == reverse("welcome"), response.url
    return asked


def _last_login_event():
    return AuditEvent.objects.filter(action="login").order_by("pk").last()


# The box


def test_the_sms_step_offers_to_remember_the_browser(client, alice_mobile):
    _password_login(client)

    page = client.get(reverse("accounts:login_verify")).text

    assert "记住此浏览器（7天）" in page
    assert 'name="remember_browser"' in page


def test_the_mobile_login_password_step_offers_it_too(client, alice_mobile, outbox):
    client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": "13800138000", "purpose": "login", **solved_captcha()},
    )
    client.post(
        reverse("accounts:login") + "?tab=mobile",
        {"tab": "mobile", "mobile": "13800138000", "sms_code": _code(outbox), **solved_captcha()},
    )

    assert "记住此浏览器（7天）" in client.get(reverse("accounts:login_verify")).text


def test_ticked_on_the_mobile_login_password_step_spares_the_next_account_login(
    browser, alice_mobile, outbox
):
    browser.post(
        reverse("accounts:send_sms_code"),
        {"mobile": "13800138000", "purpose": "login", **solved_captcha()},
    )
    browser.post(
        reverse("accounts:login") + "?tab=mobile",
        {"tab": "mobile", "mobile": "13800138000", "sms_code": _code(outbox), **solved_captcha()},
    )
    browser.post(reverse("accounts:login_verify"), {"password": PASSWORD, "remember_browser": "on"})
    _sign_out(browser)
    _age_codes()

    assert not _asks_for_a_code(browser, outbox)


def test_an_auditor_is_not_offered_the_box(client, auditor, outbox):
    auditor.mobile = "13700137000"
    auditor.save()

    _password_login(client, "auditor")

    page = client.get(reverse("accounts:login_verify")).text
    assert "短信验证码" in page
    assert "记住此浏览器" not in page


def test_ticked_box_sets_a_signed_httponly_lax_cookie(browser, alice_mobile, outbox):
    response = _sign_in_with_code(browser, outbox, remember=True)

    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == 7 * 24 * 3600
    data = signing.loads(cookie.value, salt="accounts.remembered.cookie")
    assert data["u"] == alice_mobile.pk


def test_ticked_box_stores_the_browser_without_its_token(browser, alice_mobile, outbox):
    response = _sign_in_with_code(browser, outbox, remember=True)

    row = RememberedBrowser.objects.get(user=alice_mobile)
    token = signing.loads(response.cookies[COOKIE].value, salt="accounts.remembered.cookie")["t"]
    assert token not in str(vars(row))
    assert row.browser == "Chrome 122 · Windows"
    assert row.ip == "10.20.30.40"
    assert row.expires_at - row.created_at == timedelta(days=7)


def test_the_cookie_is_secure_with_a_host_prefix_in_production_settings(
    browser, alice_mobile, outbox, settings
):
    settings.SESSION_COOKIE_SECURE = True
    settings.REMEMBER_BROWSER_COOKIE_NAME = "__Host-remembered_browser"

    response = _sign_in_with_code(browser, outbox, remember=True)

    cookie = response.cookies["__Host-remembered_browser"]
    assert cookie["secure"] is True and cookie["path"] == "/" and not cookie["domain"]


def test_production_names_the_cookie_with_the_host_prefix():
    from tests.registry.test_settings import PRODUCTION_ENV, _manage

    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s;"
        "print(s.REMEMBER_BROWSER_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.REMEMBER_BROWSER_DAYS)",
        env=PRODUCTION_ENV,
    )

    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.split() == ["__Host-remembered_browser", "True", "7"], result.stderr


def test_unticked_box_remembers_nothing(browser, alice_mobile, outbox):
    response = _sign_in_with_code(browser, outbox, remember=False)
    _sign_out(browser)
    _age_codes()

    assert COOKIE not in response.cookies
    assert not RememberedBrowser.objects.exists()
    assert _asks_for_a_code(browser, outbox)


# Signing in on a remembered browser


def test_remembered_browser_signs_in_without_a_code(remembered_browser, alice_mobile, outbox):
    sent, codes = len(outbox), SmsCode.objects.count()

    response = _password_login(remembered_browser)

    assert response.url == reverse("welcome")
    assert remembered_browser.session[SESSION_KEY] == str(alice_mobile.pk)
    assert len(outbox) == sent and SmsCode.objects.count() == codes


def test_sign_in_on_a_remembered_browser_is_audited_as_such(remembered_browser, alice_mobile):
    _password_login(remembered_browser)

    event = _last_login_event()
    assert event.user == alice_mobile
    assert event.detail == {"via": "remembered_browser"}
    assert RememberedBrowser.objects.get().last_used_at is not None


def test_remembering_is_audited_with_the_sign_in(browser, alice_mobile, outbox):
    _sign_in_with_code(browser, outbox, remember=True)

    assert _last_login_event().detail == {"remember_browser": True}


def test_remembered_browser_still_needs_the_right_password(remembered_browser, outbox):
    response = _password_login(remembered_browser, password="Wrong-Password-1")

    assert response.status_code == 200
    assert SESSION_KEY not in remembered_browser.session


def test_remembered_browser_keeps_the_next_page(remembered_browser):
    data = {"username": "alice", "password": PASSWORD, "next": "/accounts/profile/"}
    response = remembered_browser.post(reverse("accounts:login"), {**data, **solved_captcha()})

    assert response.url == "/accounts/profile/"


def test_session_of_a_remembered_sign_in_has_the_absolute_lifetime(remembered_browser):
    from accounts.sessions import LOGIN_AT

    _password_login(remembered_browser)

    assert LOGIN_AT in remembered_browser.session


# Cookies that are not accepted


def test_cookie_of_another_user_is_not_accepted(remembered_browser, institution_a, outbox):
    UserFactory(username="carol", mobile="13600136000", institution=institution_a)

    assert _asks_for_a_code(remembered_browser, outbox, username="carol")
    assert outbox[-1].mobile == "13600136000"


def test_tampered_cookie_is_refused(remembered_browser, alice_mobile, outbox):
    value = remembered_browser.cookies[COOKIE].value
    payload, rest = value.split(":", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    remembered_browser.cookies[COOKIE] = f"{flipped}:{rest}"

    assert _asks_for_a_code(remembered_browser, outbox)


def test_forged_cookie_for_another_account_is_refused(remembered_browser, institution_a, outbox):
    """Rewriting the account id in the cookie breaks its signature."""
    carol = UserFactory(username="carol", mobile="13600136000", institution=institution_a)
    data = signing.loads(
        remembered_browser.cookies[COOKIE].value, salt="accounts.remembered.cookie"
    )
    forged = signing.dumps({**data, "u": carol.pk}, salt="another salt", compress=False)
    remembered_browser.cookies[COOKIE] = forged

    assert _asks_for_a_code(remembered_browser, outbox, username="carol")


def test_expired_row_is_refused(remembered_browser, outbox):
    RememberedBrowser.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert _asks_for_a_code(remembered_browser, outbox)


def test_cookie_older_than_seven_days_is_refused(remembered_browser, outbox, monkeypatch):
    data = signing.loads(
        remembered_browser.cookies[COOKIE].value, salt="accounts.remembered.cookie"
    )
    eight_days_ago = signing.b62_encode(int(timezone.now().timestamp()) - 8 * 24 * 3600)
    with monkeypatch.context() as patch:
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: eight_days_ago)
        remembered_browser.cookies[COOKIE] = signing.dumps(
            data, salt="accounts.remembered.cookie", compress=False
        )

    assert _asks_for_a_code(remembered_browser, outbox)


def test_turned_off_the_cookie_is_ignored(remembered_browser, outbox, settings):
    settings.REMEMBER_BROWSER_DAYS = 0

    assert _asks_for_a_code(remembered_browser, outbox)


# Auditors: every factor, every time


def _cookie_for(user):
    """A remember cookie made for ``user`` as if they had ticked the box (auditors cannot)."""
    response = HttpResponse()
    request = RequestFactory().get("/", HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    remembered.remember_browser(request=request, response=response, user=user)
    return response.cookies[COOKIE].value


@pytest.mark.real_otp
def test_auditor_with_totp_still_gets_the_totp_step(client, auditor):
    AuditorTOTPDevice.objects.create(user=auditor, name="app", confirmed=True)
    client.cookies[COOKIE] = _cookie_for(auditor)

    response = _password_login(client, "auditor")

    assert response.url == reverse("accounts:login_verify")
    assert SESSION_KEY not in client.session
    assert "动态口令" in client.get(reverse("accounts:login_verify")).text


@pytest.mark.real_otp
def test_auditor_without_totp_still_gets_the_sms_step(client, auditor, outbox):
    auditor.mobile = "13700137000"
    auditor.save()
    client.cookies[COOKIE] = _cookie_for(auditor)

    assert _asks_for_a_code(client, outbox, username="auditor")
    assert SESSION_KEY not in client.session


@pytest.mark.real_otp
def test_ticking_the_box_remembers_no_auditor(client, auditor, outbox):
    auditor.mobile = "13700137000"
    auditor.save()

    response = _sign_in_with_code(client, outbox, remember=True, username="auditor")

    assert COOKIE not in response.cookies
    assert not RememberedBrowser.objects.exists()


# Revocation


def test_password_change_revokes(remembered_browser, alice_mobile, outbox):
    _password_login(remembered_browser)
    remembered_browser.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    _sign_out(remembered_browser)

    assert not RememberedBrowser.objects.exists()
    assert _asks_for_a_code(remembered_browser, outbox, password=NEW_PASSWORD)


def test_password_reset_revokes(remembered_browser, alice_mobile, outbox):
    remembered_browser.post(
        reverse("accounts:send_sms_code"),
        {"mobile": "13800138000", "purpose": "reset_password", **solved_captcha()},
    )
    remembered_browser.post(
        reverse("accounts:password_reset") + "?tab=mobile",
        {"tab": "mobile", "mobile": "13800138000", "sms_code": _code(outbox), **solved_captcha()},
    )
    remembered_browser.post(
        reverse("accounts:password_reset_set"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    _sign_out(remembered_browser)
    _age_codes()

    assert not RememberedBrowser.objects.exists()
    assert _asks_for_a_code(remembered_browser, outbox, password=NEW_PASSWORD)


def test_a_password_written_past_every_form_still_revokes(remembered_browser, alice_mobile, outbox):
    """The cookie carries the credential version: even a change that bypasses save()
    (a bulk update) leaves the cookie useless."""
    alice_mobile.set_password(NEW_PASSWORD)
    User.objects.filter(pk=alice_mobile.pk).update(password=alice_mobile.password)

    assert _asks_for_a_code(remembered_browser, outbox, password=NEW_PASSWORD)


def _change_mobile(client, outbox, new_mobile="13900139000"):
    client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": new_mobile, "purpose": "change_mobile", **solved_captcha()},
    )
    return client.post(
        reverse("accounts:mobile_change"),
        {"mobile": new_mobile, "sms_code": _code(outbox), "password": PASSWORD, **solved_captcha()},
    )


def test_mobile_change_elsewhere_revokes(remembered_browser, alice_mobile, outbox):
    elsewhere = Client()
    elsewhere.force_login(alice_mobile)

    assert _change_mobile(elsewhere, outbox).url == reverse("accounts:profile")

    assert not RememberedBrowser.objects.exists()
    _age_codes()
    assert _asks_for_a_code(remembered_browser, outbox)
    assert outbox[-1].mobile == "13900139000"


def test_mobile_change_on_the_remembered_browser_remembers_it_again(
    remembered_browser, alice_mobile, outbox
):
    old_cookie = remembered_browser.cookies[COOKIE].value
    other = Client()
    _sign_in_with_code(other, outbox, remember=True)
    _sign_out(other)
    _age_codes()
    _password_login(remembered_browser)

    _change_mobile(remembered_browser, outbox)
    _sign_out(remembered_browser)

    row = RememberedBrowser.objects.get()
    assert remembered_browser.cookies[COOKIE].value != old_cookie
    assert row.version == remembered.browser_version(User.objects.get(pk=alice_mobile.pk))
    assert not _asks_for_a_code(remembered_browser, outbox)
    _age_codes()
    assert _asks_for_a_code(other, outbox)


def test_stopping_the_account_revokes_and_restoring_does_not_bring_it_back(
    remembered_browser, alice_mobile, alice_admin, outbox
):
    set_member_active(member=alice_mobile, actor=alice_admin, active=False)
    assert not RememberedBrowser.objects.exists()

    set_member_active(member=alice_mobile, actor=alice_admin, active=True)

    assert _asks_for_a_code(remembered_browser, outbox)


def test_stopping_the_account_in_admin_revokes(remembered_browser, alice_mobile, auditor, client):
    client.force_login(auditor)
    user = User.objects.get(pk=alice_mobile.pk)
    user.is_active = False
    user.save()  # what the admin's change form does

    assert not RememberedBrowser.objects.exists()


def test_sign_out_everywhere_revokes_and_ends_other_sessions(
    remembered_browser, alice_mobile, outbox
):
    _password_login(remembered_browser)
    elsewhere = Client()
    elsewhere.force_login(alice_mobile)

    response = remembered_browser.post(reverse("accounts:sign_out_everywhere"))

    assert response.url == reverse("accounts:profile")
    assert not RememberedBrowser.objects.exists()
    assert remembered_browser.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302
    assert response.cookies[COOKIE].value == ""
    event = AuditEvent.objects.filter(action="logout").order_by("pk").last()
    assert event.detail == {"scope": "all_devices", "browsers": 1, "sessions": 1}
    _sign_out(remembered_browser)
    assert _asks_for_a_code(remembered_browser, outbox)


def test_sign_out_everywhere_is_a_post(client, alice):
    client.force_login(alice)

    assert client.get(reverse("accounts:sign_out_everywhere")).status_code == 405


def test_sign_out_everywhere_needs_a_signed_in_user(client, db):
    response = client.post(reverse("accounts:sign_out_everywhere"))

    assert response.url.startswith(reverse("accounts:login"))


# 个人中心


def test_profile_lists_the_remembered_browsers(remembered_browser, alice_mobile):
    _password_login(remembered_browser)

    page = remembered_browser.get(reverse("accounts:profile")).text

    assert "记住的浏览器" in page
    assert "Chrome 122 · Windows" in page
    assert "当前浏览器" in page
    assert "10.20.*.*" in page and "10.20.30.40" not in page
    assert "退出所有设备" in page


def test_profile_lists_no_other_accounts_browsers(remembered_browser, bob, client):
    client.force_login(bob)

    page = client.get(reverse("accounts:profile")).text

    assert "Chrome 122 · Windows" not in page
    assert "目前没有记住的浏览器" in page


def test_browser_summary_names_common_browsers():
    edge = CHROME_ON_WINDOWS + " Edg/121.0.0.0"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
    )

    assert remembered.browser_summary(edge) == "Edge 121 · Windows"
    assert remembered.browser_summary(iphone) == "Safari 17 · iOS"
    assert remembered.browser_summary("") == "未知浏览器"
