"""The report pages in Chromium: 在线填写调查表 from the list, an error next to its field,
the 总表 read-only in 查看详情, the 提交 checklist and the read-only banner of a closed window.
Screenshots of each (desktop and phone) go to test-artifacts/."""

import pytest

from surveys import reports
from surveys.models import Report, ReportStatus
from tests.accounts.test_verification_browser import signed_in_page
from tests.surveys.test_basic_info import make_basic_info

from .helpers import required_only
from .test_reports import add_scan, close_window, old_report, set_window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


def shoot(page, screenshot_dir, name):
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=screenshot_dir / f"report-{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def fill(page, values):
    for code, value in values.items():
        if value is not None:
            page.locator(f"#id_{code}").fill(str(value))


def test_fill_the_survey_read_it_and_see_what_submission_needs(
    live_server, browser, screenshot_dir, alice
):
    year = reports.current_data_year()
    set_window(year)
    make_basic_info(alice)
    earlier = old_report(
        alice.institution,
        year - 1,
        status=ReportStatus.APPROVED,
        values=required_only(),
        survey_version=1,
    )
    add_scan(earlier, alice)
    page = signed_in_page(browser, live_server, alice)
    page.set_viewport_size(DESKTOP)

    # 在线填写调查表 opens this year's report at its 总表.
    page.goto(live_server.url + "/registry/")
    page.get_by_role("button", name="在线填写调查表").click()
    report = Report.objects.get(data_year=year)
    page.wait_for_url(f"{live_server.url}/registry/reports/{report.public_id}/survey/")

    # 死亡例数 greater than 出院总例数: the message next to the field, nothing saved.
    fill(page, required_only(ci_discharges=100, ci_with_htn=50, ci_deaths=120))
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("死亡例数（120）不能大于出院总例数（100）").is_visible()
    assert Report.objects.get(pk=report.pk).survey_version == 0
    shoot(page, screenshot_dir, "edit-error")

    page.locator("#id_ci_deaths").fill("12")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/registry/reports/{report.public_id}/")
    assert page.get_by_text("总表已保存。").is_visible()
    deaths = page.locator(".survey-value", has=page.get_by_text("死亡例数")).first
    assert "12" in deaths.inner_text()
    assert page.get_by_role("link", name="修改总表").is_visible()
    shoot(page, screenshot_dir, "detail")

    # 编辑日志: the first save, item by item.
    page.get_by_role("link", name="编辑日志").click()
    page.wait_for_url(f"{live_server.url}/registry/reports/{report.public_id}/history/")
    entry = page.locator("section.revision")
    assert entry.count() == 1
    row = entry.locator("tr", has=page.get_by_role("rowheader", name="第一诊断脑梗死 死亡例数"))
    assert row.locator("td").all_inner_texts() == ["未填", "12 例"]
    shoot(page, screenshot_dir, "history")
    page.get_by_role("link", name="返回查看详情").click()
    page.wait_for_url(f"{live_server.url}/registry/reports/{report.public_id}/")

    # The list: this year editable, last year approved with its scan.
    page.get_by_role("link", name="返回脑血管病登记").click()
    page.wait_for_url(live_server.url + "/registry/")
    row = page.locator(f"#report-{year}")
    assert row.get_by_text("共上报0例溶栓个案，0例介入个案").is_visible()
    assert row.get_by_role("link", name="删除").is_visible()
    older = page.locator(f"#report-{year - 1}")
    assert older.get_by_text("已审核").is_visible()
    assert older.get_by_role("link", name="提交").count() == 0
    shoot(page, screenshot_dir, "list")

    # 提交: the checklist says 附件4 is missing and links to its upload.
    row.get_by_role("link", name="提交").click()
    page.wait_for_url(f"{live_server.url}/registry/reports/{report.public_id}/submit/")
    problem = page.locator(".submit-problem")
    assert problem.count() == 1
    assert "请先上传附件4" in problem.inner_text()
    assert problem.get_by_role("link", name="去处理").get_attribute("href") == (
        f"/registry/reports/{report.public_id}/scan/"
    )
    assert page.get_by_role("button", name="提交").count() == 0
    shoot(page, screenshot_dir, "submit-checklist")

    # The window closes: the report is read-only and says why and who can reopen it.
    close_window(year)
    page.goto(f"{live_server.url}/registry/reports/{report.public_id}/")
    banner = page.locator("#lock-reason")
    assert "已经截止，目前只能查看" in banner.inner_text()
    assert "联系审核员" in banner.inner_text()
    assert page.get_by_role("link", name="修改总表").count() == 0
    shoot(page, screenshot_dir, "read-only")

    # Open again, with 附件4 uploaded: the 总表 ↔ case warnings must be ticked to submit.
    set_window(year)
    add_scan(Report.objects.get(pk=report.pk), alice)
    page.goto(f"{live_server.url}/registry/reports/{report.public_id}/submit/")
    boxes = page.locator("#submit-warnings input[type=checkbox]")
    assert boxes.count() >= 1
    shoot(page, screenshot_dir, "submit-warnings")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert page.get_by_text("请逐条核对提示，确认无误后勾选，再提交。").is_visible()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    for box in boxes.all():
        box.check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{live_server.url}/registry/reports/{report.public_id}/")
    assert page.get_by_text("已提交，请等待审核。").is_visible()
    assert "本报告已提交" in page.locator("#lock-reason").inner_text()
    history = page.locator("#status-history")
    assert history.get_by_text("未提交 → 已提交").is_visible()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    shoot(page, screenshot_dir, "submitted")
