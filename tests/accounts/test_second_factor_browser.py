"""A clerk signs in with Chromium: password, then the SMS code sent to her mobile."""

import re

import pytest

from accounts.sms.backends import locmem
from tests.captcha import answer_for
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_password_then_sms_code_signs_in(live_server, browser, settings, screenshot_dir, alice):
    settings.SMS_SECOND_FACTOR = True
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    alice.mobile = "13800138000"
    alice.save()
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_placeholder("请输入用户名").fill("alice")
    page.get_by_placeholder("请输入密码").fill(PASSWORD)
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(answer_for(key))
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(live_server.url + "/accounts/login/verify/")
    assert page.get_by_role("heading", name="登录验证").is_visible()
    assert page.get_by_text("138****8000").first.is_visible()
    page.screenshot(path=screenshot_dir / "login-second-factor.png", full_page=True)
    # Not signed in yet: the registry sends the visitor back to 登录.
    page.goto(live_server.url + "/registry/")
    assert "/accounts/login/" in page.url
    page.goto(live_server.url + "/accounts/login/verify/")

    code = re.search(r"验证码为(\d{6})", locmem.outbox[-1].text).group(1)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("爱丽丝，您好！").is_visible()
    page.screenshot(path=screenshot_dir / "login-second-factor-done.png", full_page=True)


@pytest.mark.real_otp
def test_auditor_enrols_an_authenticator_then_opens_admin(
    live_server, browser, screenshot_dir, auditor
):
    from django_otp.oath import totp

    from accounts.models import AuditorTOTPDevice
    from tests.accounts.test_verification_browser import signed_in_page

    page = signed_in_page(browser, live_server, auditor)
    page.goto(live_server.url + "/admin/")

    assert "/accounts/otp/" in page.url
    assert page.get_by_role("heading", name="绑定身份验证器").is_visible()
    qr = page.get_by_alt_text("身份验证器二维码")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=screenshot_dir / "otp-enrol.png", full_page=True)
    device = AuditorTOTPDevice.objects.get(user=auditor, confirmed=False)
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("动态口令").fill(f"{token:06d}")
    page.get_by_role("button", name="完成绑定").click()

    page.wait_for_url(live_server.url + "/admin/")
    assert page.get_by_text("审核管理").first.is_visible()
