"""The 总表 partial in Chromium: one error and one warning next to their fields, on a desktop
and a phone screen; fixing the error and confirming the warning saves."""

import pytest

from tests.accounts.test_verification_browser import signed_in_page

from .helpers import required_only

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.surveys.survey_form_urls"),
]

# 死亡例数 > 出院总例数 (error) and 单纯取栓 + 桥接 < 总例数 (warning).
VALUES = required_only(ci_discharges=100, ci_with_htn=50, ci_deaths=120, evt_direct=5)


def fill(page, values):
    for code, value in values.items():
        if value is not None:
            page.locator(f"#id_{code}").fill(str(value))


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_error_and_warning_show_next_to_fields(
    live_server, browser, screenshot_dir, alice, width, height
):
    page = signed_in_page(browser, live_server, alice)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/survey-form/")
    fill(page, VALUES)
    page.get_by_role("button", name="保存").click()

    error = page.locator("#id_ci_deaths ~ .invalid-feedback, #id_ci_deaths")
    assert page.get_by_text("死亡例数（120）不能大于出院总例数（100）").is_visible()
    assert error.first.get_attribute("aria-invalid") == "true"
    warnings = page.locator("#survey-warnings")
    assert warnings.get_by_text("单纯取栓例数").first.is_visible()
    # Back to the top: the sticky header would otherwise land mid-page in a full-page shot.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshot_dir / f"survey-form-{width}.png", full_page=True)

    page.locator("#id_ci_deaths").fill("12")
    page.get_by_label("已核对，数据无误").check()
    page.get_by_role("button", name="保存").click()
    assert page.locator("#survey-saved").is_visible()
