"""Issue 22 end to end in Chromium: two review levels. The hospital submits its report, the
北京 auditor approves it at province level, the national auditor returns it with a reason;
the hospital sees the reason, corrects a 总表 value, uploads 附件4 again and resubmits; the
北京 auditor approves at province level again, and the national auditor sees the
与退回时相比的修改 (the 总表 item old → new) and gives the final 国家级审核通过."""

import datetime

import pytest

from surveys import reports
from surveys.editions import CURRENT_EDITION
from surveys.models import Report, ReportingWindow, ReportStatus, TransitionAction
from tests.accounts.test_verification_browser import signed_in_page
from tests.factories import AuditorFactory, region
from tests.surveys.helpers import required_only
from tests.surveys.test_basic_info import make_basic_info
from tests.surveys.test_report_admin import (
    draft_report,
    in_window,  # noqa: F401 (autouse fixture: today is 2026-02-15)
)
from tests.surveys.test_report_admin_browser import attachment4_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RETURN_REASON = "脑梗死死亡例数与病案首页统计不一致，请核对后重新提交。"
CHANGED_ITEM = CURRENT_EDITION.name_of("ci_deaths")  # 第一诊断脑梗死 死亡例数


@pytest.fixture
def beijing_auditor(db):
    """A province-level auditor whose 审核范围 is 北京市."""
    return AuditorFactory(
        username="bj_auditor", real_name="北京审核员", review_region=region("110000")
    )


@pytest.fixture
def national_auditor(db):
    """A nationwide auditor (no 审核范围 region)."""
    return AuditorFactory(username="national_auditor", real_name="国家审核员")


def admin_url(base, report):
    return f"{base}/admin/surveys/report/{report.pk}/change/"


def detail_url(base, report, tab=None):
    url = f"{base}/registry/reports/{report.public_id}/"
    return f"{url}?tab={tab}" if tab else url


def status_of(report):
    return Report.objects.get(pk=report.pk).status


def upload_scan(page, base, report):
    """附件4 in the browser: the signed, stamped scan of the current 总表."""
    page.goto(f"{base}/registry/reports/{report.public_id}/scan/")
    scan = {"name": "附件4.png", "mimeType": "image/png", "buffer": attachment4_png()}
    page.get_by_label("附件4扫描件（多张图片或一个PDF）").set_input_files(scan)
    page.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert page.get_by_text("附件4已上传。").is_visible()


def submit(page, base, report):
    """提交 from 查看详情, confirming each warning the page asks to check."""
    page.goto(detail_url(base, report))
    page.locator(".report-tab-content").get_by_role("link", name="提交", exact=True).click()
    page.wait_for_url(f"{base}/registry/reports/{report.public_id}/submit/")
    assert page.locator("#submit-problems").count() == 0
    assert page.locator("#submit-ready").is_visible()
    for box in page.locator("#submit-warnings input[type=checkbox]").all():
        box.check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(detail_url(base, report))
    assert page.get_by_text("已提交，请等待审核。").is_visible()


def decide(desk, base, report, button, *, reason=""):
    """An auditor opens the report in the admin and clicks ``button`` of 审核决定."""
    desk.goto(admin_url(base, report))
    panel = desk.locator("#report-decision")
    assert panel.is_visible()
    if reason:
        panel.get_by_label("退回原因").fill(reason)
    panel.get_by_role("button", name=button, exact=True).click()
    desk.wait_for_url(admin_url(base, report))
    assert desk.locator(".messagelist .success").is_visible()


def status_shown(desk):
    return desk.locator(".field-status_label .readonly").inner_text().strip()


def test_two_level_review_with_a_return_and_the_diff(
    live_server, browser, screenshot_dir, alice, beijing_auditor, national_auditor
):
    base = live_server.url
    year = reports.current_data_year()  # 2025 (today is 2026-02-15, in_window)
    ReportingWindow.objects.create(
        data_year=year,
        opens_on=datetime.date(year + 1, 2, 1),
        closes_on=datetime.date(year + 1, 3, 31),
        review_levels=2,
    )
    # Prepared: 基本信息 and the 总表 saved. In the browser: 附件4 and 提交.
    make_basic_info(alice, hospital_name=alice.institution.name, region="110101")
    report = draft_report(alice, year, values=required_only())

    # 1. The hospital uploads 附件4 and submits.
    page = signed_in_page(browser, live_server, alice)
    upload_scan(page, base, report)
    submit(page, base, report)
    assert status_of(report) == ReportStatus.SUBMITTED
    stage = page.locator("#review-stage").inner_text()
    assert "等待所在省（市）的审核员审核" in stage
    page.screenshot(path=screenshot_dir / "review-1-submitted.png", full_page=True)

    # The national auditor may not decide first: the report waits for 北京.
    nation = signed_in_page(browser, live_server, national_auditor)
    nation.goto(admin_url(base, report))
    refusal = nation.locator("#report-decision-refusal").inner_text()
    assert "须先由所在省（市）的审核员审核" in refusal
    assert nation.locator("#report-decision input[type=submit]").count() == 0

    # 2. The 北京 auditor approves at province level.
    beijing = signed_in_page(browser, live_server, beijing_auditor)
    beijing.goto(admin_url(base, report))
    assert "本年度为两级审核" in beijing.locator("#report-decision-level").inner_text()
    buttons = beijing.locator("#report-decision input[type=submit]")
    assert [b.get_attribute("value") for b in buttons.all()] == ["省级审核通过", "退回"]
    beijing.screenshot(path=screenshot_dir / "review-2-provincial-panel.png", full_page=True)
    decide(beijing, base, report, "省级审核通过")
    assert status_shown(beijing) == "省级审核通过"
    assert status_of(report) == ReportStatus.PROVINCIAL
    beijing.screenshot(path=screenshot_dir / "review-2-provincial-approved.png")
    # Now it is the nation's turn, not 北京's.
    assert "等待国家级审核员终审" in beijing.locator("#report-decision-refusal").inner_text()

    # 3. The national auditor returns it with a reason.
    nation.goto(admin_url(base, report))
    assert "本次为国家级终审" in nation.locator("#report-decision-level").inner_text()
    buttons = nation.locator("#report-decision input[type=submit]")
    assert [b.get_attribute("value") for b in buttons.all()] == ["国家级审核通过", "退回"]
    nation.locator("#id_return_reason").fill(RETURN_REASON)
    nation.screenshot(path=screenshot_dir / "review-3-national-return.png", full_page=True)
    decide(nation, base, report, "退回", reason=RETURN_REASON)
    assert status_shown(nation) == "已退回"
    assert status_of(report) == ReportStatus.RETURNED
    # While it is 已退回 the admin page shows no comparison yet (the hospital is editing).
    assert nation.locator("#report-return-changes").count() == 0

    # 4. The hospital sees the reason, changes a 总表 value, uploads 附件4 again, resubmits.
    page.goto(detail_url(base, report))
    assert RETURN_REASON in page.locator("#return-reason").inner_text()
    page.locator(".report-tab-content").get_by_role("link", name="修改总表", exact=True).click()
    page.wait_for_url(f"{base}/registry/reports/{report.public_id}/survey/")
    assert page.locator("#id_ci_deaths").input_value() == "10"
    page.locator("#id_ci_deaths").fill("12")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(detail_url(base, report))
    assert page.get_by_text("附件4已过期").first.is_visible()
    page.get_by_role("link", name="退回后的修改").click()
    page.wait_for_url(detail_url(base, report, "changes"))
    hospital_row = page.locator("#return-changes tr.return-change")
    assert hospital_row.count() == 1
    assert hospital_row.locator("th, td").all_inner_texts() == [CHANGED_ITEM, "10 例", "12 例"]
    page.screenshot(path=screenshot_dir / "review-4-hospital-changes.png", full_page=True)
    page.goto(f"{base}/registry/reports/{report.public_id}/submit/")
    assert "附件4已过期" in page.locator("#submit-problems").inner_text()
    upload_scan(page, base, report)
    submit(page, base, report)
    assert status_of(report) == ReportStatus.SUBMITTED

    # 5. 北京 approves at province level again; the nation sees the diff and approves.
    decide(beijing, base, report, "省级审核通过")
    assert status_shown(beijing) == "省级审核通过"
    nation.goto(admin_url(base, report))
    section = nation.locator("#report-return-changes")
    assert section.get_by_role("heading", name="与退回时相比的修改").is_visible()
    since = section.locator(".return-changes-since").inner_text()
    assert "国家审核员" in since and RETURN_REASON in since
    assert section.locator("#return-changes-survey-title").inner_text() == "总表：修改 1 项"
    rows = section.locator("tr.return-change")
    assert rows.count() == 1
    assert rows.first.locator("th, td").all_inner_texts() == [CHANGED_ITEM, "10 例", "12 例"]
    for kind in ("thrombolysis", "intervention"):
        assert "没有修改" in section.locator(f"#return-changes-{kind}-title").inner_text()
    section.scroll_into_view_if_needed()
    nation.screenshot(path=screenshot_dir / "review-5-national-diff.png", full_page=True)
    decide(nation, base, report, "国家级审核通过")
    assert status_shown(nation) == "已审核"
    assert nation.locator("#report-decision").count() == 0
    nation.screenshot(path=screenshot_dir / "review-6-approved-admin.png", full_page=True)

    # The hospital sees 已审核, and the status history tells the whole story.
    page.goto(detail_url(base, report))
    assert page.locator("#report-status .report-status").inner_text() == "已审核"
    page.screenshot(path=screenshot_dir / "review-7-hospital-approved.png", full_page=True)
    history = [
        (t.action, t.from_status, t.to_status, t.user_id)
        for t in Report.objects.get(pk=report.pk).transitions.order_by("at", "pk")
    ]
    S = ReportStatus  # noqa: N806
    assert history == [
        (TransitionAction.SUBMIT, S.DRAFT, S.SUBMITTED, alice.pk),
        (TransitionAction.PROVINCIAL, S.SUBMITTED, S.PROVINCIAL, beijing_auditor.pk),
        (TransitionAction.RETURN, S.PROVINCIAL, S.RETURNED, national_auditor.pk),
        (TransitionAction.SUBMIT, S.RETURNED, S.SUBMITTED, alice.pk),
        (TransitionAction.PROVINCIAL, S.SUBMITTED, S.PROVINCIAL, beijing_auditor.pk),
        (TransitionAction.NATIONAL, S.PROVINCIAL, S.APPROVED, national_auditor.pk),
    ]
    assert Report.objects.get(pk=report.pk).values["ci_deaths"] == 12
