"""年度报告 in the admin, in Chromium: the auditor filters the list, exports it, opens a
submitted report with its 附件4 scan and returns it with a reason."""

import io

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageDraw, ImageFont

from surveys.models import ReportStatus
from tests.accounts.test_verification_browser import FONT, signed_in_page
from tests.factories import InstitutionFactory, UserFactory, region
from tests.surveys.helpers import all_filled
from tests.surveys.test_report_admin import (
    add_scan,
    deleted_report,
    draft_report,
    in_window,  # noqa: F401 (autouse fixture)
    submitted_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def attachment4_png():
    """A PNG that looks like a scanned, signed and stamped 附件4."""
    image = Image.new("RGB", (850, 1200), (252, 252, 248))
    draw = ImageDraw.Draw(image)
    try:
        title, body = ImageFont.truetype(FONT, 40), ImageFont.truetype(FONT, 24)
    except OSError:
        title = body = ImageFont.load_default()
    draw.text(
        (425, 90), "医疗机构脑血管病诊疗情况调查表", font=title, fill=(20, 20, 20), anchor="mm"
    )
    for row in range(14):
        y = 180 + row * 60
        draw.rectangle((60, y, 790, y + 60), outline=(60, 60, 60), width=2)
        draw.text((80, y + 18), f"项目 {row + 1}", font=body, fill=(30, 30, 30))
        draw.text((600, y + 18), str(100 + row * 7), font=body, fill=(30, 30, 30))
    draw.text((80, 1070), "主管院领导签字及医院公章：", font=body, fill=(30, 30, 30))
    draw.ellipse((520, 1000, 700, 1180), outline=(200, 30, 30), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_auditor_filters_exports_reads_and_returns_a_report(
    live_server, browser, screenshot_dir, tmp_path, alice, bob, auditor
):
    report = submitted_report(alice, values=all_filled())
    report.scans.update(replaced_at=report.submitted_at)  # the first upload was replaced …
    add_scan(report, alice, data=attachment4_png())  # … by the real scan
    draft_report(bob)
    draft_report(UserFactory(institution=InstitutionFactory(name="丙医院")), 2024)
    deleted_report(UserFactory(institution=InstitutionFactory(name="丁医院", region=region())))

    page = signed_in_page(browser, live_server, auditor)
    page.goto(live_server.url + "/admin/surveys/report/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3  # the deleted report only behind 已删除
    page.screenshot(path=screenshot_dir / "report-admin-list.png", full_page=True)

    # 当前状态 → 已提交: one row; 导出总表 exports exactly that row.
    page.locator("#changelist-filter").get_by_role("link", name="已提交").click()
    page.wait_for_load_state()
    assert rows.count() == 1
    with page.expect_download() as download_info:
        page.locator("#report-export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    exported = list(load_workbook(path).active.iter_rows(values_only=True))
    assert [row[0] for row in exported[1:]] == ["甲医院"]
    page.screenshot(path=screenshot_dir / "report-admin-list-submitted.png", full_page=True)

    # The report, read-only, with the scan shown through the admin's own view.
    rows.first.get_by_role("link", name="甲医院").click()
    page.wait_for_load_state()
    image = page.locator(".report-scans img").first
    image.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => img.naturalWidth") == 850
    assert page.locator("#report-survey").get_by_text("400 例").first.is_visible()
    assert page.locator("input[name=data_year]").count() == 0  # nothing editable
    page.screenshot(path=screenshot_dir / "report-admin-change.png", full_page=True)

    # 退回 without a reason is refused; with one, the report goes back to the hospital.
    page.get_by_role("button", name="退回").click()
    page.wait_for_load_state()
    assert page.get_by_text("请填写退回原因").is_visible()
    page.get_by_label("退回原因").fill("第一诊断脑梗死的死亡例数请与病案室核对后重新提交。")
    page.get_by_role("button", name="退回").click()
    page.wait_for_load_state()
    assert page.get_by_text("已退回甲医院的2025年度医疗机构脑血管病诊疗情况").is_visible()
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert page.get_by_role("button", name="审核通过").count() == 0
    page.screenshot(path=screenshot_dir / "report-admin-returned.png", full_page=True)
