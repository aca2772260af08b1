"""忘记密码 通过手机号 in Chromium, then signing in with the new password."""

import re

import pytest

from accounts.sms.backends import locmem
from tests.captcha import answer_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Stroke-Registry-2026"


def _solve_captcha(page):
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(answer_for(key))


def test_forgotten_password_by_mobile_then_sign_in(live_server, browser, settings, screenshot_dir):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    user = UserFactory(username="bjadmin_er", real_name="王小明", mobile="13800138000")
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="忘记密码?").click()
    page.get_by_role("link", name="通过手机号").click()
    page.get_by_label("手机号码").fill("13800138000")
    old_key = page.locator("input[name=captcha_0]").input_value()
    _solve_captcha(page)
    page.get_by_role("button", name="获取短信验证码").click()
    # The answer swaps in a fresh captcha for the final submit.
    page.wait_for_function(
        "key => document.querySelector('input[name=captcha_0]').value !== key", arg=old_key
    )
    assert "验证码已发送至 138****8000" in page.locator("#id_sms_code_note").inner_text()
    code = re.search(r"验证码为(\d{6})", locmem.outbox[-1].text).group(1)
    page.get_by_label("短信验证码").fill(code)
    _solve_captcha(page)
    page.screenshot(path=screenshot_dir / "password-reset-mobile.png", full_page=True)
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url(live_server.url + "/accounts/password/reset/new/")
    assert page.get_by_text("bj***er").is_visible()
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    assert page.locator(".password-meter-label").inner_text() == "密码强度：强"
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.screenshot(path=screenshot_dir / "password-reset-new.png", full_page=True)
    page.get_by_role("button", name="保存新密码").click()

    # The code proved the mobile and the new password is set: signed in without another code.
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("密码已重置，您已登录。").is_visible()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    page.get_by_role("button", name="退出", exact=True).click()
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=username]").fill("bjadmin_er")
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    _solve_captcha(page)
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("王小明，您好！").is_visible()
    page.screenshot(path=screenshot_dir / "password-reset-signed-in.png", full_page=True)
