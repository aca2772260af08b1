"""数据概览 in Chromium (issue 23 item 3): the national auditor opens it from the admin
index, drills down to 广东省 and exports the table; the 北京 auditor's 数据概览 starts at
北京市 and shows nothing of 广东. Screenshots in test-artifacts/overview-*.png."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from institutions.models import HospitalGrade
from surveys import reports
from surveys.models import ReportingWindow, ReportStatus
from tests.accounts.test_verification_browser import signed_in_page
from tests.factories import AuditorFactory, region

from .test_overview import TODAY, YEAR, hospital

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def country(regions, monkeypatch):
    """After the 2025 deadline: 广东 has six counted hospitals (a median), 北京 two (样本不足)
    and one that has not submitted (late)."""
    monkeypatch.setattr(reports, "today", lambda: TODAY)
    ReportingWindow.objects.create(
        data_year=YEAR, opens_on=datetime.date(2026, 2, 1), closes_on=datetime.date(2026, 3, 31)
    )
    for index, dnt in enumerate((38, 45, 52, 61, 70, 84)):
        hospital(
            ("440106", "440304")[index % 2],
            ReportStatus.APPROVED,
            dnt=dnt,
            filled=9,
            eligible=10,
            ivt=20 + index,
            name=f"广东第{index + 1}医院",
            is_advanced_stroke_center=index < 2,
        )
    hospital("440106", ReportStatus.SUBMITTED, dnt=95, name="广州待审医院")
    hospital("110101", ReportStatus.APPROVED, dnt=41, name="北京协和医院")
    hospital("110105", ReportStatus.RETURNED, dnt=66, name="北京朝阳医院")
    hospital("110105", name="北京未报医院", grade=HospitalGrade.GRADE_2A)


def test_the_national_auditor_drills_down_and_exports(
    live_server, browser, screenshot_dir, country
):
    auditor = AuditorFactory(username="national_auditor", real_name="国家审核员")
    page = signed_in_page(browser, live_server, auditor)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="数据概览").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="数据概览").is_visible()
    table = page.locator("#overview-table")
    assert table.get_by_role("link", name="北京市").is_visible()
    assert table.get_by_role("link", name="广东省").is_visible()
    assert page.locator("#overview-chart svg").count() == 1
    page.screenshot(path=screenshot_dir / "overview-1-national.png", full_page=True)

    table.get_by_role("link", name="广东省").click()
    page.wait_for_url("**region=440000**")
    assert [
        text.strip() for text in table.locator("tbody tr:not(#overview-total) th").all_inner_texts()
    ] == [
        "广州市",
        "深圳市",
    ]
    assert "广东省" in page.locator("#overview-trail").inner_text()
    page.screenshot(path=screenshot_dir / "overview-2-guangdong.png", full_page=True)

    with page.expect_download() as info:
        page.locator("#overview-export").click()
    download = info.value
    assert download.suggested_filename == f"数据概览_{YEAR}_广东省.xlsx"
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "广州市" in names and "深圳市" in names and "北京市" not in names

    table.get_by_role("link", name="广州市").click()
    page.wait_for_url("**region=440100**")
    assert table.get_by_role("link", name="广州待审医院").is_visible()
    page.screenshot(path=screenshot_dir / "overview-3-guangzhou.png", full_page=True)


def test_the_beijing_auditor_sees_only_beijing(live_server, browser, screenshot_dir, country):
    auditor = AuditorFactory(
        username="bj_overview", real_name="北京审核员", review_region=region("110000")
    )
    page = signed_in_page(browser, live_server, auditor)

    page.goto(f"{live_server.url}/admin/quality/reportindicators/")
    assert page.locator("#overview-trail").inner_text().strip() == "范围：北京市"
    assert "广东" not in page.content()
    assert page.locator("#overview-table").get_by_text("样本不足").count() >= 1
    page.screenshot(path=screenshot_dir / "overview-4-beijing.png", full_page=True)

    response = page.goto(f"{live_server.url}/admin/quality/reportindicators/?region=440000")
    assert response.status == 404
