"""A new clerk in Chromium: 用户注册 signs her in; she ticks 记住此浏览器 at her next sign-in
(one SMS code) and signs in on that browser again without any code (issue 18 item 2)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F

from accounts.models import RememberedBrowser, SmsCode
from accounts.sms.backends import locmem
from institutions.models import Region
from tests.captcha import answer_for
from tests.factories import InstitutionFactory

from .test_account_chain_browser import _request_sms_code, _solve_captcha

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots_remember")
PASSWORD = "Stroke-Registry-2026"


def _account_login(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_placeholder("请输入用户名").fill("wangxm")
    page.get_by_placeholder("请输入密码").fill(PASSWORD)
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(answer_for(key))
    page.get_by_role("button", name="登录").click()


def _sign_out(page, live_server):
    page.get_by_role("button", name="退出", exact=True).click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/(accounts/login/.*)?$"))


def test_register_then_remembered_browser_signs_in_without_sms(
    live_server, browser, settings, regions
):
    settings.SMS_SECOND_FACTOR = True
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    settings.REMEMBER_BROWSER_DAYS = 7
    locmem.outbox.clear()
    SHOTS.mkdir(exist_ok=True)
    InstitutionFactory(name="北京市东城区第一医院", region=Region.objects.get(code="110101"))
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")

    # 用户注册: the code proves the mobile, the form sets the password — signed in at once.
    page.goto(live_server.url + "/accounts/register/")
    page.get_by_label("省（自治区、直辖市）").select_option(label="北京市")
    page.get_by_label("市（地区、州、盟）").select_option(label="东城区")
    page.get_by_label("单位名称").select_option(label="北京市东城区第一医院")
    page.get_by_label("真实姓名").fill("王小明")
    page.get_by_label("身份证号码").fill("11010519491231002X")
    page.get_by_label("单独同意平台处理我的身份证号").check()
    page.get_by_label("设置用户名").fill("wangxm")
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_label("短信验证码").fill(_request_sms_code(page))
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    _solve_captcha(page)
    page.get_by_role("button", name="注册").click()

    page.wait_for_url(live_server.url + "/accounts/verification/")
    assert page.get_by_text("注册成功").is_visible()
    assert page.get_by_label("医疗机构执业许可证登记号").is_visible()  # 个人身份认证
    assert not SmsCode.objects.filter(purpose=SmsCode.Purpose.LOGIN_2FA).exists()
    _sign_out(page, live_server)

    # A later day (the registration code's 60 s have long passed): one SMS, box ticked.
    SmsCode.objects.update(created_at=F("created_at") - timedelta(minutes=5))
    _account_login(page, live_server)
    page.wait_for_url(live_server.url + "/accounts/login/verify/")
    box = page.get_by_label("记住此浏览器（7天）")
    assert box.is_visible() and not box.is_checked()
    assert len(locmem.outbox) == 2
    page.get_by_label("短信验证码").fill(re.search(r"验证码为(\d{6})", locmem.outbox[-1].text)[1])
    box.check()
    page.screenshot(path=SHOTS / "login-verify-remember.png", full_page=True)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    assert RememberedBrowser.objects.filter(user__username="wangxm").count() == 1
    cookie = next(c for c in page.context.cookies() if c["name"] == "remembered_browser")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.goto(live_server.url + "/accounts/profile/")
    listed = page.locator("section", has_text="记住的浏览器")
    assert listed.get_by_text("当前浏览器").is_visible()
    assert listed.get_by_text(re.compile(r"Chrome \d+")).is_visible()
    assert listed.get_by_role("button", name="退出所有设备").is_visible()
    page.screenshot(path=SHOTS / "profile-remembered-browsers.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    listed.screenshot(path=SHOTS / "profile-remembered-browsers-390.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_out(page, live_server)

    # The same browser again: the password and captcha, and no SMS at all.
    sent, codes = len(locmem.outbox), SmsCode.objects.count()
    _account_login(page, live_server)

    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("王小明，您好！").is_visible()
    assert page.get_by_text("此浏览器已记住，本次登录无需短信验证码。").is_visible()
    assert len(locmem.outbox) == sent and SmsCode.objects.count() == codes
    page.screenshot(path=SHOTS / "remembered-sign-in.png", full_page=True)
