"""用个案汇总填充 in Chromium: the button on the 总表 tab, the confirmation page (value now →
count of the cases), 确认填充, the filled 总表 and its 编辑日志 entry. Screenshots of each
(desktop and phone) go to test-artifacts/."""

import pytest

from surveys import reports
from surveys.models import Report
from tests.accounts.test_verification_browser import signed_in_page
from tests.casesets.helpers import make_evt, make_ivt
from tests.surveys.test_basic_info import make_basic_info

from .helpers import required_only
from .test_reports import set_window
from .test_reports_browser import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, screenshot_dir, name):
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=screenshot_dir / f"fill-from-cases-{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_fill_the_survey_from_the_cases(live_server, browser, screenshot_dir, alice):
    set_window(reports.current_data_year())
    make_basic_info(alice)
    report = reports.save_survey(reports.open_current_report(alice), required_only(), [], alice)
    make_ivt(report, admission_no="T1")  # 阿替普酶
    make_ivt(report, admission_no="T2", thrombolytic_drug="urokinase", mrs_discharge=3)
    make_evt(report, admission_no="E1", evt_mode="direct")
    detail = f"{live_server.url}/registry/reports/{report.public_id}/"
    page = signed_in_page(browser, live_server, alice)
    page.set_viewport_size(DESKTOP)

    page.goto(detail)
    page.get_by_role("link", name="用个案汇总填充").click()
    page.wait_for_url(f"{detail}fill-from-cases/")
    total = page.locator("tr.fill-row[data-code='ivt_total']")
    assert "40 例" in total.inner_text() and "2 例" in total.inner_text()
    assert "将修改" in total.inner_text()
    assert "将修改 13 个总表项目。" in page.locator("#fill-notes").inner_text()
    shoot(page, screenshot_dir, "confirm")

    page.get_by_role("button", name="确认填充").click()
    page.wait_for_url(detail)
    assert page.get_by_text("已用个案汇总填充总表，13项已更新。").is_visible()
    alteplase = page.locator(".survey-value", has=page.get_by_text("用阿替普酶例数"))
    assert alteplase.locator("dd").inner_text().startswith("1")
    filled = Report.objects.get(pk=report.pk)
    assert (filled.values["ivt_total"], filled.values["evt_total"]) == (2, 1)
    shoot(page, screenshot_dir, "filled")

    page.get_by_role("link", name="编辑日志").click()
    page.wait_for_url(f"{detail}history/")
    latest = page.locator("section.revision").first
    row = latest.locator("tr", has=page.get_by_role("rowheader", name="单纯静脉溶栓 总例数"))
    assert row.locator("td").all_inner_texts() == ["40 例", "2 例"]
    assert str(alice) in latest.inner_text()
    shoot(page, screenshot_dir, "history")

    # Nothing left to change: the page says so and offers no 确认填充.
    page.goto(f"{detail}fill-from-cases/")
    assert page.get_by_text("总表中这些项目已与个案汇总一致，无需填充。").is_visible()
    assert page.get_by_role("button", name="确认填充").count() == 0
