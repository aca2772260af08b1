"""Issue 5 end to end in Chromium: 基本信息 and its 编辑日志, the 总表 with an error then saved,
附件4 uploaded, 提交, editing refused, the auditor's 退回 with a reason, a closed window that
makes the report read-only and says why, the hospital's correction and resubmission, and the
auditor's 审核通过."""

import io

import pytest
from PIL import Image

from surveys import reports
from surveys.models import Report, ReportStatus
from tests.accounts.test_verification_browser import signed_in_page

from .helpers import required_only
from .test_reports import close_window, set_window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan_png():
    buffer = io.BytesIO()
    Image.new("RGB", (850, 1200), (250, 250, 245)).save(buffer, format="PNG")
    return {"name": "附件4.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def fill_survey(page, values):
    for code, value in values.items():
        if value is not None:
            page.locator(f"#id_{code}").fill(str(value))


def upload_scan(page, base, report):
    page.goto(f"{base}/registry/reports/{report.public_id}/scan/")
    page.get_by_label("附件4扫描件（多张图片或一个PDF）").set_input_files(scan_png())
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert page.get_by_text("附件4已上传。").is_visible()


def submit(page, base, report):
    page.goto(f"{base}/registry/reports/{report.public_id}/submit/")
    for box in page.locator("#submit-warnings input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(f"{base}/registry/reports/{report.public_id}/")
    assert page.get_by_text("已提交，请等待审核。").is_visible()


def test_report_from_basic_info_to_approval(
    live_server, browser, screenshot_dir, regions, alice, auditor
):
    base = live_server.url
    year = reports.current_data_year()
    set_window(year)
    page = signed_in_page(browser, live_server, alice)

    # 基本信息: fill, change, and the change is in 编辑日志.
    page.goto(base + "/registry/")
    director = page.get_by_role("group", name="医院负责人信息")
    director.get_by_label("姓名").fill("王建国")
    director.get_by_label("联系电话(手机号)").fill("13800138000")
    director.get_by_label("电子邮箱").fill("director@jia.cn")
    contact = page.get_by_role("group", name="医院联系人信息")
    contact.get_by_label("姓名").fill("李娜")
    contact.get_by_label("联系电话(手机号)").fill("13900139000")
    contact.get_by_label("电子邮箱").fill("contact@jia.cn")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("基本信息已保存。").is_visible()
    card = page.locator(".card", has=page.get_by_role("heading", name="医院及负责人信息"))
    card.get_by_role("link", name="修改").click()
    page.wait_for_url(base + "/registry/basic-info/")
    page.get_by_role("group", name="医院负责人信息").get_by_label("姓名").fill("王建军")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(base + "/registry/")
    page.get_by_role("link", name="编辑日志").click()
    page.wait_for_url(base + "/registry/basic-info/history/")
    newest = page.locator("section.revision").first
    row = newest.locator("tr", has=page.get_by_role("rowheader", name="医院负责人姓名"))
    assert row.locator("td").all_inner_texts() == ["王建国", "王建军"]

    # 在线填写调查表: 死亡例数 > 出院总例数 is refused next to the field; fixed, it saves.
    page.goto(base + "/registry/")
    page.get_by_role("button", name="在线填写调查表").click()
    report = Report.objects.get(institution=alice.institution, data_year=year)
    page.wait_for_url(f"{base}/registry/reports/{report.public_id}/survey/")
    fill_survey(page, required_only(ci_discharges=100, ci_with_htn=50, ci_deaths=120))
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("死亡例数（120）不能大于出院总例数（100）").is_visible()
    assert Report.objects.get(pk=report.pk).survey_version == 0
    page.locator("#id_ci_deaths").fill("12")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/registry/reports/{report.public_id}/")
    assert page.get_by_text("总表已保存。").is_visible()

    # 附件4, then 提交; the report can no longer be edited.
    upload_scan(page, base, report)
    submit(page, base, report)
    assert "本报告已提交" in page.locator("#lock-reason").inner_text()
    assert page.get_by_role("link", name="修改总表").count() == 0
    page.goto(f"{base}/registry/reports/{report.public_id}/survey/")
    assert "本报告已提交" in page.locator("body").inner_text()
    assert page.locator("#id_ci_deaths").count() == 0
    page.screenshot(path=screenshot_dir / "lifecycle-submitted.png", full_page=True)

    # The auditor returns it with a reason.
    desk = signed_in_page(browser, live_server, auditor)
    desk.goto(f"{base}/admin/surveys/report/{report.pk}/change/")
    desk.get_by_label("退回原因").fill("脑梗死死亡例数请与病案室核对。")
    desk.get_by_role("button", name="退回").click()
    desk.wait_for_load_state()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RETURNED

    # The window has closed: the returned report is read-only, and the page says why.
    close_window(year)
    page.goto(f"{base}/registry/reports/{report.public_id}/")
    assert "脑梗死死亡例数请与病案室核对。" in page.locator("#return-reason").inner_text()
    lock = page.locator("#lock-reason").inner_text()
    assert "已经截止，目前只能查看" in lock and "联系审核员" in lock
    assert page.get_by_role("link", name="修改总表").count() == 0
    page.screenshot(path=screenshot_dir / "lifecycle-window-closed.png", full_page=True)

    # Open again: the hospital sees the reason, corrects the 总表, uploads 附件4 anew, resubmits.
    set_window(year)
    page.goto(f"{base}/registry/reports/{report.public_id}/")
    assert page.locator("#lock-reason").count() == 0
    page.get_by_role("link", name="修改总表").click()
    page.wait_for_url(f"{base}/registry/reports/{report.public_id}/survey/")
    page.locator("#id_ci_deaths").fill("11")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/registry/reports/{report.public_id}/")
    page.goto(f"{base}/registry/reports/{report.public_id}/submit/")
    assert "请重新" in page.locator(".submit-problem").inner_text()  # the scan went stale
    upload_scan(page, base, report)
    submit(page, base, report)
    assert Report.objects.get(pk=report.pk).values["ci_deaths"] == 11

    # The auditor approves.
    desk.goto(f"{base}/admin/surveys/report/{report.pk}/change/")
    desk.get_by_role("button", name="审核通过").click()
    desk.wait_for_load_state()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.APPROVED
    page.goto(f"{base}/registry/")
    assert page.locator(f"#report-{year}").get_by_text("已审核").is_visible()
    history = [
        (t.from_status, t.to_status, t.user_id)
        for t in Report.objects.get(pk=report.pk).transitions.order_by("at", "pk")
    ]
    assert history == [
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED, alice.pk),
        (ReportStatus.SUBMITTED, ReportStatus.RETURNED, auditor.pk),
        (ReportStatus.RETURNED, ReportStatus.SUBMITTED, alice.pk),
        (ReportStatus.SUBMITTED, ReportStatus.APPROVED, auditor.pk),
    ]
    page.screenshot(path=screenshot_dir / "lifecycle-approved.png", full_page=True)
