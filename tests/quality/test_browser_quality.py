"""质控报告 in Chromium (issue 23 item 2): a hospital user opens it from the menu, reads the
charts and the table, and prints it on A4 (print view and a PDF). Screenshots in
test-artifacts/quality-report-*.png."""

import random

import pytest

from quality.indicators import COUNT, INDICATORS, PERCENT
from surveys.models import ReportStatus
from tests.accounts.test_verification_browser import signed_in_page
from tests.factories import InstitutionFactory, region
from tests.quality.test_report_page import entry, indicators

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def plausible(indicator, rng, level):
    """A value of ``indicator`` for a hospital (``level`` 0–1: how it does)."""
    if indicator.kind == COUNT:
        return entry(rng.randint(8, 160), n=None)
    if indicator.unit == PERCENT:
        return entry(round(min(99.0, 10 + 70 * level + rng.uniform(-8, 8)), 1), n=40)
    return entry(round(35 + 60 * (1 - level) + rng.uniform(-5, 5)), n=30, q1=None, q3=None)


def all_values(rng, level):
    return {ind.code: plausible(ind, rng, level) for ind in INDICATORS}


@pytest.fixture
def registry_data(alice):
    rng = random.Random(23)
    codes = ["110101"] * 6 + ["440106"] * 8
    for year in (2023, 2024, 2025):
        for index, code in enumerate(codes):
            institution = InstitutionFactory(name=f"对照医院{year}-{index}", region=region(code))
            indicators(institution, year, **all_values(rng, rng.random()))
    indicators(alice.institution, 2022, ReportStatus.LEGACY, **all_values(rng, 0.35))
    indicators(alice.institution, 2023, ReportStatus.LEGACY, **all_values(rng, 0.45))
    indicators(alice.institution, 2024, **all_values(rng, 0.6))
    # 2025 is submitted, not yet approved: the hospital's current figures, labelled so; one
    # indicator from 3 cases (样本不足).
    current = all_values(rng, 0.7)
    current["evt_sich"] = entry(33.3, n=3)
    indicators(alice.institution, 2025, ReportStatus.SUBMITTED, **current)


def test_hospital_reads_and_prints_its_quality_report(
    live_server, browser, screenshot_dir, alice, registry_data
):
    page = signed_in_page(browser, live_server, alice)
    page.goto(live_server.url + "/")
    page.locator(".app-sidebar").get_by_role("link", name="质控报告").click()
    page.wait_for_url(f"{live_server.url}/quality/report/")

    assert page.get_by_role("heading", name="质控报告").is_visible()
    assert page.get_by_text("本院当前数据（未审核，不计入全国及省级对比）").is_visible()
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 20
    assert charts.first.is_visible()
    table = page.locator("table.qc-table").first
    assert table.is_visible()
    assert table.locator("tr[data-indicator=ivt_dnt_median] th").inner_text().startswith("DNT")
    assert "对照医院" not in page.content()
    page.screenshot(path=screenshot_dir / "quality-report-1-screen-top.png")
    page.screenshot(path=screenshot_dir / "quality-report-2-screen-full.png", full_page=True)
    # The value from 3 cases: 样本不足 in the table and on the chart, no number.
    sich = page.locator("figure", has=page.locator("#qc-fig-evt_sich"))
    assert "本院：样本不足" in sich.locator("svg[role=img]").first.inner_html()
    assert page.locator("tr[data-indicator=evt_sich] td").first.inner_text() == "样本不足"
    sich.screenshot(path=screenshot_dir / "quality-report-5-too-few-cases.png")

    # An earlier year from the year chooser (a GET form, no script).
    page.get_by_label("数据年度").select_option("2023")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"{live_server.url}/quality/report/?year=2023")
    assert page.get_by_text("本年度为已绑定的既往数据").is_visible()

    page.goto(f"{live_server.url}/quality/report/")
    page.emulate_media(media="print")
    assert not page.locator(".app-sidebar").is_visible()
    assert not page.locator(".qc-toolbar").is_visible()
    assert charts.first.is_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=screenshot_dir / "quality-report-3-print-first-page.png")
    page.screenshot(path=screenshot_dir / "quality-report-4-print-full.png", full_page=True)
    pdf = page.pdf(format="A4", path=screenshot_dir / "quality-report.pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
