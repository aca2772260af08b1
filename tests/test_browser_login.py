"""The demo hospital user signs in with Chromium and sees the manual's menu."""

import pytest

from accounts.demo import create_demo_data
from tests.captcha import answer_for
from tests.factories import region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_hospital_user_signs_in_and_sees_the_menu(live_server, browser, screenshot_dir):
    region("110101")
    region("440106")
    password = {a.username: a.password for a in create_demo_data()}["bj_user"]
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="zh-CN")

    page.goto(live_server.url + "/")
    page.get_by_placeholder("请输入用户名").fill("bj_user")
    page.get_by_placeholder("请输入密码").fill(password)
    hidden_key = page.locator("input[name=captcha_0]")
    first_key = hidden_key.input_value()
    page.get_by_role("button", name="看不清？换一张").click()  # a fresh image, as a clerk might
    page.wait_for_function(
        "key => document.querySelector('input[name=captcha_0]').value !== key", arg=first_key
    )
    page.locator("input[name=captcha_1]").fill(answer_for(hidden_key.input_value()))
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(live_server.url + "/")
    sidebar = page.locator("#sidebar")
    assert sidebar.get_by_text("功能菜单").is_visible()
    assert sidebar.get_by_text("用户管理").is_visible()
    assert sidebar.get_by_role("link", name="个人中心").is_visible()
    assert page.get_by_text("北京市东城区演示医院").first.is_visible()
    page.screenshot(path=screenshot_dir / "welcome-bj_user.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="打开功能菜单").click()
    sidebar.get_by_role("link", name="个人中心").click()
    page.wait_for_url(live_server.url + "/accounts/profile/")
    assert page.get_by_role("heading", name="个人中心").is_visible()
    page.screenshot(path=screenshot_dir / "profile-phone.png", full_page=True)
