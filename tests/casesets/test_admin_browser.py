"""A report's cases in the auditors' admin, in Chromium: the two case lists on the report's
read-only page, the link to its deleted cases and 恢复 there. Screenshots go to
test-artifacts/."""

import pytest

from casesets import services
from casesets.models import ThrombolysisCase
from tests.accounts.test_verification_browser import signed_in_page

from .helpers import make_evt, make_ivt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_reads_a_reports_cases_and_restores_a_deleted_one(
    live_server, browser, screenshot_dir, report, alice, auditor
):
    for i in range(12):
        make_ivt(report, admission_no=f"ZY2025-{i:03d}", nihss_discharge=i % 5)
    make_ivt(
        report,
        admission_no="ZY2025-OTH",
        thrombolytic_drug="other",
        thrombolytic_drug_other="链激酶",
    )
    make_evt(report, admission_no="ZY2025-101", evt_mode="direct")
    make_evt(report, admission_no="ZY2025-102")
    deleted = services.delete_case(case=make_ivt(report, admission_no="ZY2025-DEL"), user=alice)
    page = signed_in_page(browser, live_server, auditor)

    page.goto(f"{live_server.url}/admin/surveys/report/{report.pk}/change/")
    ivt = page.locator("#report-thrombolysiscase")
    assert "共13例（另有已删除1例，可在个案列表中恢复）；下表为前10例。" in ivt.inner_text()
    assert ivt.locator("tbody tr").count() == 10
    evt = page.locator("#report-interventioncase")
    assert evt.locator("tbody tr").count() == 2 and "单纯取栓" in evt.inner_text()
    ivt.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "admin-report-cases.png", full_page=True)

    ivt.get_by_role("link", name="查看已删除的个案").click()
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "ZY2025-DEL" in rows.inner_text()
    rows.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("restore_selected")
    page.get_by_role("button", name="执行").click()
    page.wait_for_load_state()
    assert page.get_by_text("已恢复 1 例。").is_visible()
    page.screenshot(path=screenshot_dir / "admin-report-cases-restored.png", full_page=True)
    assert not ThrombolysisCase.objects.get(pk=deleted.pk).is_deleted
