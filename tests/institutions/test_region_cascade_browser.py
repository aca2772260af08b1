"""A clerk picks 行政区划 in Chromium with the cascading selects, on desktop and phone widths."""

import pytest

from institutions.regions import load_regions

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.institutions.cascade_urls"),
]


@pytest.fixture(scope="module", autouse=True)
def restore_session_regions(regions_loaded, django_db_blocker):
    """The transactional test flushes the database; put the session's regions back after."""
    yield
    with django_db_blocker.unblock():
        load_regions()


def choose(page, select_id, label):
    """Pick ``label`` once the options have arrived (they are fetched after each choice)."""
    select = page.locator(f"#{select_id}")
    select.locator("option", has_text=label).first.wait_for(state="attached")
    select.select_option(label=label)


def test_clerk_chooses_regions_down_to_the_leaf(live_server, browser, screenshot_dir):
    load_regions()  # the transactional database starts empty
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(live_server.url + "/region-demo/")

    # 直辖市: districts come straight after the municipality; the third select goes away.
    choose(page, "id_region_province", "北京市")
    choose(page, "id_region_city", "东城区")
    assert page.locator("#id_region").input_value() == "110101"
    assert page.locator("#id_region_county").is_hidden()

    # A province: prefecture, then county. The value follows the deepest choice.
    choose(page, "id_region_province", "河北省")
    assert page.locator("#id_region").input_value() == "130000"
    choose(page, "id_region_city", "石家庄市")
    assert page.locator("#id_region_county").is_visible()
    choose(page, "id_region_county", "长安区")
    assert page.locator("#id_region").input_value() == "130102"

    # 省直辖县级 in the second widget of the same page: 济源市 has no prefecture.
    choose(page, "id_other_region_province", "河南省")
    choose(page, "id_other_region_city", "济源市")
    assert page.locator("#id_other_region").input_value() == "419001"
    assert page.locator("#id_other_region_county").is_hidden()
    assert page.locator("#id_region").input_value() == "130102"
    page.screenshot(path=screenshot_dir / "region-cascade.png", full_page=True)

    page.get_by_role("button", name="提交").click()

    assert page.locator("#submitted").inner_text() == "130102 419001"
    # After the post the choice is shown again, rendered by the server.
    assert page.locator("#id_region_county").input_value() == "130102"
    assert page.locator("#id_other_region_city").input_value() == "419001"


def test_choice_stops_at_a_prefecture_is_refused_and_stays_filled(
    live_server, browser, screenshot_dir
):
    load_regions()
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(live_server.url + "/region-demo/")

    choose(page, "id_region_province", "河北省")
    choose(page, "id_region_city", "石家庄市")
    page.get_by_role("button", name="提交").click()

    assert page.get_by_text("请选择到县（区）一级的行政区划。").is_visible()
    assert page.locator("#id_region_city").input_value() == "130100"
    choose(page, "id_region_county", "桥西区")
    assert page.locator("#id_region").input_value() == "130104"
    # On a phone the selects are stacked.
    province = page.locator("#id_region_province").bounding_box()
    county = page.locator("#id_region_county").bounding_box()
    assert county["y"] > province["y"] and county["x"] == province["x"]
    page.screenshot(path=screenshot_dir / "region-cascade-phone.png", full_page=True)
