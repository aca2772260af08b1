"""The whole account chain in Chromium, as a new hospital clerk lives it."""

import re
from datetime import timedelta

import pytest
from django.db.models import F

from accounts.models import SmsCode, User
from accounts.sms.backends import locmem
from institutions.models import Region
from tests.captcha import answer_for
from tests.factories import InstitutionFactory

from .test_verification_browser import licence_png, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _solve_captcha(page):
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(answer_for(key))


def _request_sms_code(page):
    """Solve the captcha, press 获取短信验证码, return the code from the outbox."""
    sent = len(locmem.outbox)
    old_key = page.locator("input[name=captcha_0]").input_value()
    _solve_captcha(page)
    page.get_by_role("button", name="获取短信验证码").click()
    # The answer swaps in a fresh captcha for the final submit.
    page.wait_for_function(
        "key => document.querySelector('input[name=captcha_0]').value !== key", arg=old_key
    )
    assert len(locmem.outbox) == sent + 1
    return re.search(r"验证码为(\d{6})", locmem.outbox[-1].text).group(1)


def test_register_sign_in_by_mobile_get_verified(
    live_server, browser, settings, regions, screenshot_dir, tmp_path, auditor
):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    hospital = InstitutionFactory(
        name="北京市东城区第一医院", region=Region.objects.get(code="110101")
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="用户注册").click()
    page.get_by_label("省（自治区、直辖市）").select_option(label="北京市")
    page.get_by_label("市（地区、州、盟）").select_option(label="东城区")
    page.get_by_label("单位名称").select_option(label="北京市东城区第一医院")
    page.get_by_label("真实姓名").fill("王小明")
    page.get_by_label("身份证号码").fill("11010519491231002X")
    page.get_by_label("单独同意平台处理我的身份证号").check()
    page.get_by_label("设置用户名").fill("wangxm")
    page.get_by_label("手机号码").fill("13800138000")
    code = _request_sms_code(page)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("设置密码").fill("Stroke-Registry-2026")
    assert page.locator(".password-meter-label").inner_text() == "密码强度：强"
    page.get_by_label("确认密码").fill("Stroke-Registry-2026")
    _solve_captcha(page)
    page.screenshot(path=screenshot_dir / "register-filled.png", full_page=True)
    page.get_by_role("button", name="注册").click()

    page.wait_for_url(live_server.url + "/accounts/verification/")
    assert page.get_by_text("注册成功").is_visible()
    user = User.objects.get(username="wangxm")
    assert user.institution == hospital
    assert user.id_number_consent_at is not None
    page.screenshot(path=screenshot_dir / "register-done.png", full_page=True)

    page.get_by_role("button", name="退出").click()
    # The clerk signs in again a few minutes later (a second code needs 60 s to pass).
    SmsCode.objects.update(created_at=F("created_at") - timedelta(minutes=5))
    page.get_by_role("link", name="手机号登录").click()
    page.get_by_label("手机号码").fill("13800138000")
    code = _request_sms_code(page)
    page.get_by_label("短信验证码").fill(code)
    _solve_captcha(page)
    page.screenshot(path=screenshot_dir / "mobile-login.png", full_page=True)
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("王小明，您好！").is_visible()

    # 个人身份认证: the licence photo and its 登记号; the auditor approves in the admin.
    page.locator("#sidebar").get_by_role("link", name="个人身份认证").click()
    page.get_by_label("医疗机构执业许可证登记号").fill(hospital.licence_number)
    page.get_by_label("医疗机构执业许可证照片").set_input_files(
        licence_png(tmp_path / "许可证.jpg.png", hospital)
    )
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert page.locator("#verification-status .badge").inner_text() == "待审核"

    desk = signed_in_page(browser, live_server, auditor)
    desk.goto(live_server.url + "/admin/accounts/identityverification/")
    desk.locator("#result_list tbody tr").first.locator("a").first.click()
    desk.get_by_role("button", name="通过").click()
    desk.wait_for_load_state()

    page.reload()
    assert page.get_by_text("您的个人身份认证已通过审核").is_visible()
    page.screenshot(path=screenshot_dir / "chain-verified.png", full_page=True)
    user.refresh_from_db()
    assert user.verification_status == User.Verification.VERIFIED
    assert user.can_see_institution_data
