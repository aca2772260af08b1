"""基本信息 in Chromium: fill it on the first visit, change it, read the change in 编辑日志."""

import pytest

from surveys.models import BasicInfo
from tests.accounts.test_verification_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


def shoot(page, screenshot_dir, name):
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=screenshot_dir / f"basic-info-{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_fill_change_and_read_the_edit_log(live_server, browser, screenshot_dir, regions, alice):
    alice.institution.is_base_hospital = True
    alice.institution.save()
    page = signed_in_page(browser, live_server, alice)
    page.set_viewport_size(DESKTOP)

    # The menu leads to 脑血管病登记; the first visit shows the form, 医院信息 pre-filled.
    page.goto(live_server.url + "/")
    page.locator("#sidebar").get_by_role("link", name="脑血管病登记").click()
    page.wait_for_url(live_server.url + "/registry/")
    hospital = page.get_by_role("group", name="医院信息")
    assert hospital.get_by_label("医院全称").input_value() == "甲医院"
    assert page.locator("input[name=region]").input_value() == "110101"
    shoot(page, screenshot_dir, "form")

    director = page.get_by_role("group", name="医院负责人信息")
    director.get_by_label("姓名").fill("王建国")
    director.get_by_label("联系电话(手机号)").fill("138 0013 8000")
    director.get_by_label("电子邮箱").fill("director@jia.cn")
    contact = page.get_by_role("group", name="医院联系人信息")
    contact.get_by_label("姓名").fill("李·娜")
    contact.get_by_label("联系电话(手机号)").fill("13900139000")
    contact.get_by_label("电子邮箱").fill("contact@jia")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()

    # A bad email is refused next to the field, and nothing is saved.
    assert page.get_by_text("请填写有效的电子邮箱地址").is_visible()
    assert not BasicInfo.objects.exists()
    contact = page.get_by_role("group", name="医院联系人信息")
    contact.get_by_label("电子邮箱").fill("contact@jia.cn")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()

    # The card, mobiles masked.
    assert page.get_by_text("基本信息已保存。").is_visible()
    card = page.locator(".card", has=page.get_by_role("heading", name="医院及负责人信息"))
    assert card.get_by_text("138****8000").is_visible()
    assert card.get_by_text("北京市市辖区东城区").is_visible()
    shoot(page, screenshot_dir, "card")

    # 修改: move the hospital to 广州市天河区 and change the director's mobile.
    card.get_by_role("link", name="修改").click()
    page.wait_for_url(live_server.url + "/registry/basic-info/")
    page.get_by_label("省（自治区、直辖市）").select_option(label="广东省")
    page.get_by_label("市（地区、州、盟）").select_option(label="广州市")
    page.get_by_label("县（区）").select_option(label="天河区")
    director = page.get_by_role("group", name="医院负责人信息")
    director.get_by_label("联系电话(手机号)").fill("13700137000")
    page.get_by_role("radio", name="否").first.check()
    shoot(page, screenshot_dir, "edit")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(live_server.url + "/registry/")
    assert page.get_by_text("广东省广州市天河区").is_visible()

    # 编辑日志: who, when and old → new, newest first.
    page.get_by_role("link", name="编辑日志").click()
    page.wait_for_url(live_server.url + "/registry/basic-info/history/")
    newest = page.locator("section.revision").first
    assert newest.get_by_text("修改", exact=True).is_visible()
    assert newest.get_by_text("爱丽丝（alice）").is_visible()
    for label, old, new in (
        ("行政区划", "北京市市辖区东城区", "广东省广州市天河区"),
        ("医院负责人手机号", "138****8000", "137****7000"),
        ("基地医院", "是", "否"),
    ):
        row = newest.locator("tr", has=page.get_by_role("rowheader", name=label))
        assert row.locator("td").all_inner_texts() == [old, new], label
    assert page.locator("section.revision").count() == 2
    shoot(page, screenshot_dir, "history")

    info = BasicInfo.objects.get()
    assert (info.region_id, info.director_mobile) == ("440106", "13700137000")
