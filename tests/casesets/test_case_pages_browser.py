"""个案登记 in Chromium (issue 6's must-show): a thrombolysis case with 其他 drug (其他溶栓药
then required), an intervention case, 修改, filters by 住院号 and by drug, 删除, the counts on
the tab and on the report list, a duplicate 住院号 by hand confirmed then saved, the same
住院号 in both attachments refused."""

import re

import pytest
from django.urls import reverse

from casesets.models import InterventionCase, ThrombolysisCase
from tests.accounts.test_verification_browser import signed_in_page
from tests.surveys.test_basic_info import make_basic_info

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def shoot(page, screenshot_dir, name):
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top of the shot
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshot_dir / f"cases-{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshot_dir / f"cases-{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def fill_core(page, number, nihss_pre="10", nihss_discharge="4", mrs="2"):
    page.fill("#id_admission_no", number)
    page.fill("#id_nihss_pre", nihss_pre)
    page.fill("#id_nihss_discharge", nihss_discharge)
    page.fill("#id_mrs_discharge", mrs)


def total(page):
    return page.locator("#case-total").inner_text()


def rows(page):
    return page.locator("#case-list tbody tr td:first-child").all_inner_texts()


def test_cases_add_edit_filter_delete_and_counts(
    live_server, browser, screenshot_dir, alice, report
):
    make_basic_info(alice)
    page = signed_in_page(browser, live_server, alice)
    detail = live_server.url + reverse("surveys:report_detail", args=[report.public_id])

    # 单纯静脉溶栓个案登记: empty, with 增加病例.
    page.goto(f"{detail}?tab=thrombolysis")
    tabs = page.locator(".report-tabs .nav-link").all_inner_texts()
    assert tabs == ["总表", "单纯静脉溶栓个案登记", "血管内介入治疗个案登记"]
    assert total(page) == "共0条数据"

    # A case with 其他 drug: 其他溶栓药 is then required.
    page.click("#case-add")
    fill_core(page, "IVT-001")
    page.select_option("#id_thrombolytic_drug", "other")
    page.click("#case-save")
    error = page.locator("#field-thrombolytic_drug_other .invalid-feedback")
    assert error.inner_text() == "溶栓药选择了“其他”，请在其他溶栓药中填写药名。"
    assert not ThrombolysisCase.objects.exists()
    shoot(page, screenshot_dir, "form-error")
    page.fill("#id_thrombolytic_drug_other", "某溶栓药")
    page.click("#case-save")
    assert "已保存" in page.locator(".alert-success").inner_text()
    assert total(page) == "共1条数据"
    assert rows(page) == ["IVT-001"]

    # A second one with its times in 更多临床信息 (folded until opened).
    page.click("#case-add")
    assert not page.locator("#id_onset_at").is_visible()
    fill_core(page, "IVT-002", nihss_pre="8")
    page.select_option("#id_thrombolytic_drug", "alteplase")
    page.click("#optional-toggle")
    page.locator("#id_onset_at").wait_for(state="visible")
    page.fill("#id_onset_at", "2025-03-01T08:00")
    page.fill("#id_arrival_at", "2025-03-01T09:00")
    page.fill("#id_needle_at", "2025-03-01T09:40")
    page.click("#case-save")
    assert total(page) == "共2条数据"

    # 修改 the second: the view page shows the change and the derived intervals.
    page.locator("#case-list tbody tr", has_text="IVT-002").get_by_role("link", name="修改").click()
    assert page.locator("#optional-fields").is_visible()  # it holds values: unfolded
    page.fill("#id_nihss_pre", "12")
    page.click("#case-save")
    assert "已修改" in page.locator(".alert-success").inner_text()
    assert re.search(r"治疗前NIHSS评分：\s*12 分", page.locator("#case-core").inner_text())
    intervals = page.locator("#case-intervals").inner_text()
    assert re.search(r"DNT（到院至溶栓，分钟）：\s*40", intervals)
    assert re.search(r"ONT（发病至溶栓，分钟）：\s*100", intervals)
    shoot(page, screenshot_dir, "view")
    page.click("#case-history")
    assert page.locator(".revision").count() == 2
    assert "治疗前NIHSS评分" in page.locator(".revision").first.inner_text()

    # Filters: 住院号 (partial) and 溶栓药物.
    page.goto(f"{detail}?tab=thrombolysis")
    page.fill("#filter-admission-no", "002")
    page.click("#case-search")
    assert rows(page) == ["IVT-002"] and total(page) == "共1条数据"
    page.fill("#filter-admission-no", "")
    page.select_option("#filter-drug", "other")
    page.click("#case-search")
    assert rows(page) == ["IVT-001"] and total(page) == "共1条数据"
    shoot(page, screenshot_dir, "list-filtered")

    # A duplicate 住院号 by hand: asked, confirmed, saved.
    page.goto(f"{detail}?tab=thrombolysis")
    page.click("#case-add")
    fill_core(page, "IVT-001")
    page.select_option("#id_thrombolytic_drug", "urokinase")
    page.click("#case-save")
    warning = page.locator("#case-warnings")
    assert "住院号“IVT-001”在本报告的单纯静脉溶栓个案中已登记过" in warning.inner_text()
    assert ThrombolysisCase.objects.count() == 2
    shoot(page, screenshot_dir, "duplicate-warning")
    page.get_by_label("已核对，数据无误").check()
    page.click("#case-save")
    assert total(page) == "共3条数据"
    assert rows(page) == ["IVT-001", "IVT-002", "IVT-001"]

    # 血管内介入治疗个案登记: a case; the same 住院号 as a thrombolysis case is refused.
    page.get_by_role("link", name="血管内介入治疗个案登记").click()
    page.click("#case-add")
    fill_core(page, "EVT-001", nihss_pre="16", nihss_discharge="8", mrs="3")
    page.select_option("#id_evt_mode", "direct")
    page.click("#optional-toggle")
    page.get_by_label("大脑中动脉M1段").check()
    page.get_by_label("支架取栓", exact=True).check()
    page.fill("#id_arrival_at", "2025-04-02T08:00")
    page.fill("#id_puncture_at", "2025-04-02T09:10")
    shoot(page, screenshot_dir, "evt-form")
    page.click("#case-save")
    assert total(page) == "共1条数据" and rows(page) == ["EVT-001"]
    evt = InterventionCase.objects.get()
    assert (evt.occlusion_sites, evt.evt_techniques, evt.dpt_minutes) == (
        ["mca_m1"],
        ["stent_retriever"],
        70,
    )
    page.click("#case-add")
    fill_core(page, "IVT-002", nihss_pre="16", nihss_discharge="8", mrs="3")
    page.select_option("#id_evt_mode", "bridging")
    page.click("#case-save")
    refused = page.locator("#field-admission_no .invalid-feedback").inner_text()
    assert "住院号“IVT-002”已登记在本报告的单纯静脉溶栓个案中" in refused
    assert list(InterventionCase.objects.values_list("admission_no", flat=True)) == ["EVT-001"]
    shoot(page, screenshot_dir, "other-attachment-refused")

    # 删除 the duplicate, after the confirmation page.
    page.goto(f"{detail}?tab=thrombolysis")
    page.locator("#case-list tbody tr").nth(2).get_by_role("link", name="删除").click()
    assert "确定要删除单纯静脉溶栓个案“住院号 IVT-001”吗？" in page.inner_text("#delete-question")
    page.click("#delete-confirm")
    assert "已删除" in page.locator(".alert-success").inner_text()
    assert total(page) == "共2条数据"
    assert rows(page) == ["IVT-001", "IVT-002"]
    assert ThrombolysisCase.objects.deleted().count() == 1  # kept, restorable
    shoot(page, screenshot_dir, "list")

    # The report list counts the live cases.
    page.goto(live_server.url + reverse("surveys:home"))
    assert (
        "共上报2例溶栓个案，1例介入个案" in page.locator(f"#report-{report.data_year}").inner_text()
    )
