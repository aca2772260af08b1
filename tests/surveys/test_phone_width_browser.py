"""The hospital's pages and the admin's 年度报告 list on a phone (390 px) in Chromium, with
a hospital that has reported for years: the report list, a case list, the report page with
a long 状态记录, and the admin list. Nothing may be wider than the screen (no sideways
scrolling, no table cut off) and no button label may wrap onto a second line. At 1366 px
the admin list shows its 行政区划 column whole. Screenshots go to test-artifacts/phone-*.png."""

import pytest
from django.urls import reverse

from binding.services import bind_legacy_record
from casesets.models import InterventionCase, ThrombolysisCase
from casesets.services import add_case
from institutions.models import Institution, Region
from surveys import reports
from tests.accounts.test_verification_browser import signed_in_page
from tests.binding.helpers import make_record
from tests.casesets.helpers import evt_core, ivt_core
from tests.factories import InstitutionFactory, UserFactory
from tests.surveys.helpers import required_only
from tests.surveys.test_basic_info import make_basic_info
from tests.surveys.test_reports import add_scan, old_report, set_window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
# With every 提交's confirmed warnings folded, the report page of a hospital that submitted
# three times is a few screens long on a phone (unfolded it was 17,000–20,000 px).
REPORT_PAGE_MAX_HEIGHT = 6000

# Every visible element that reaches past the right edge of the viewport, and the page's own
# scroll width: a page that scrolls sideways, or a table cut off inside a scrolling box.
OVERFLOW_JS = """() => {
  const limit = window.innerWidth + 1;
  const classes = (el) => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > limit) wide.push(`${name(el)} right=${Math.round(box.right)}`);
  }
  // Text running out of its box (a cell too narrow for a line that may not wrap).
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode;
    const parent = text.parentElement;
    if (!text.textContent.trim() || !parent.checkVisibility({visibilityProperty: true})) continue;
    const box = parent.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden, for screen readers
    range.selectNodeContents(text);
    const right = Math.max(0, ...Array.from(range.getClientRects(), (rect) => rect.right));
    const start = text.textContent.trim().slice(0, 20);
    if (right > limit) wide.push(`text "${start}" right=${Math.round(right)}`);
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: wide.slice(0, 15),
  };
}"""

# Buttons whose label takes more than one line: the distinct line boxes of their text (or,
# for an <input>, a height well above one line).
WRAPPED_BUTTONS_JS = """() => {
  const wrapped = [];
  const range = document.createRange();
  const selector = '.btn, button, input[type=submit], input[type=button], .button, .object-tools a';
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const style = getComputedStyle(el);
    const fontSize = parseFloat(style.fontSize);
    const lineHeight = style.lineHeight === 'normal'
      ? fontSize * 1.25 : parseFloat(style.lineHeight);
    let lines = 0;
    if (el.tagName === 'INPUT') {
      const inner = el.getBoundingClientRect().height - parseFloat(style.paddingTop)
        - parseFloat(style.paddingBottom) - parseFloat(style.borderTopWidth)
        - parseFloat(style.borderBottomWidth);
      lines = inner > lineHeight * 1.5 ? 2 : 1;
    } else {
      const tops = [];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        if (!walker.currentNode.textContent.trim()) continue;
        range.selectNodeContents(walker.currentNode);
        for (const rect of range.getClientRects()) if (rect.width > 0) tops.push(rect.top);
      }
      tops.sort((a, b) => a - b);
      lines = tops.length ? 1 : 0;
      for (let i = 1; i < tops.length; i++) if (tops[i] - tops[i - 1] > fontSize * 0.6) lines++;
    }
    if (lines > 1) wrapped.push(`${(el.innerText || el.value || '').trim()} (${lines} lines)`);
  }
  return wrapped;
}"""


def xinjiang_region():
    """伊宁市 (新疆维吾尔自治区伊犁哈萨克自治州): one of the longest 行政区划 names."""
    province, _ = Region.objects.get_or_create(
        code="650000",
        defaults={"name": "新疆维吾尔自治区", "level": 1, "full_name": "新疆维吾尔自治区",
                  "data_version": "test"},
    )  # fmt: skip
    prefecture, _ = Region.objects.get_or_create(
        code="654000",
        defaults={"name": "伊犁哈萨克自治州", "level": 2, "parent": province,
                  "full_name": "新疆维吾尔自治区伊犁哈萨克自治州", "data_version": "test"},
    )  # fmt: skip
    county, _ = Region.objects.get_or_create(
        code="654002",
        defaults={"name": "伊宁市", "level": 3, "parent": prefecture,
                  "full_name": "新疆维吾尔自治区伊犁哈萨克自治州伊宁市", "data_version": "test"},
    )  # fmt: skip
    return county


def add_cases(report, user, ivt=0, evt=0):
    drugs = ("alteplase", "urokinase", "tenecteplase")
    for n in range(ivt):
        case = ThrombolysisCase(
            **ivt_core(
                admission_no=f"ZY{report.data_year}-{n + 1:05d}",
                nihss_pre=6 + n % 15,
                nihss_discharge=n % 7,
                mrs_discharge=n % 5,
                thrombolytic_drug=drugs[n % len(drugs)],
            )
        )
        add_case(report=report, case=case, user=user)
    for n in range(evt):
        case = InterventionCase(
            **evt_core(
                admission_no=f"JR{report.data_year}-{n + 1:05d}",
                evt_mode=("bridging", "direct")[n % 2],
            )
        )
        add_case(report=report, case=case, user=user)


def submit_confirming_all(report, user):
    confirmed = [warning.id for warning in reports.submission_check(report).warnings]
    return reports.submit(report, user, confirmed)


def hospital_with_years_of_reports(alice, auditor):
    """Alice's hospital: this year's report being filled (with 26 溶栓 and 3 介入 cases), last
    year's submitted three times (returned twice; each 提交 confirmed a dozen 总表 ↔ case
    warnings), an approved report and a bound 2018 record. Returns (this year's, last
    year's, the 2018 one)."""
    institution = alice.institution
    institution.name = "首都医科大学附属北京天坛医院"
    institution.save()
    make_basic_info(alice, hospital_name=institution.name)
    year = reports.current_data_year()

    set_window(year - 2)
    approved = reports.save_survey(old_report(institution, year - 2), required_only(), [], alice)
    add_scan(approved, alice)
    add_cases(approved, alice, ivt=2, evt=1)
    reports.approve_report(submit_confirming_all(approved, alice), auditor)

    set_window(year - 1)
    last = reports.save_survey(old_report(institution, year - 1), required_only(), [], alice)
    add_scan(last, alice)
    add_cases(last, alice, ivt=4, evt=2)
    for reason in ("溶栓例数与个案登记不一致，请核对。", "介入个案仍少于总表，请补录或说明。"):
        reports.return_report(submit_confirming_all(last, alice), auditor, reason)
    last = submit_confirming_all(last, alice)

    set_window(year)
    current = reports.open_current_report(alice)
    current = reports.save_survey(current, required_only(), [], alice)
    add_cases(current, alice, ivt=26, evt=3)

    legacy = bind_legacy_record(make_record(institution.name, 2018), institution, alice)
    return current, last, legacy


def other_hospitals(auditor):
    """Reports of two more hospitals for the admin list, one in a long-named region."""
    far = InstitutionFactory(
        name="新疆维吾尔自治区伊犁哈萨克自治州友谊医院", region=xinjiang_region()
    )
    clerk = UserFactory(institution=far)
    make_basic_info(clerk, hospital_name=far.name, region="110101")
    year = reports.current_data_year()
    report = reports.open_current_report(clerk)
    reports.save_survey(report, required_only(), [], clerk)
    other = UserFactory(institution=InstitutionFactory(name="广州市第一人民医院"))
    make_basic_info(other, hospital_name="广州市第一人民医院")
    old_report(other.institution, year - 1)


def layout_problems(page, name):
    found = page.evaluate(OVERFLOW_JS)
    problems = []
    if found["scrollWidth"] > found["innerWidth"]:
        problems.append(f"{name}: page is {found['scrollWidth']} px wide")
    problems += [f"{name}: wider than the screen: {item}" for item in found["wide"]]
    wrapped = page.evaluate(WRAPPED_BUTTONS_JS)
    problems += [f"{name}: button label wraps: {item}" for item in wrapped]
    return problems


def page_height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_pages_fit_a_phone(live_server, browser, screenshot_dir, alice, auditor):
    current, last, legacy = hospital_with_years_of_reports(alice, auditor)
    other_hospitals(auditor)
    page = signed_in_page(browser, live_server, alice)
    page.set_viewport_size(PHONE)
    detail = live_server.url + reverse("surveys:report_detail", args=[last.public_id])
    pages = {
        "report-list": live_server.url + reverse("surveys:home"),
        "case-list": live_server.url
        + reverse("surveys:report_detail", args=[current.public_id])
        + "?tab=thrombolysis",
        "case-list-intervention": live_server.url
        + reverse("surveys:report_detail", args=[current.public_id])
        + "?tab=intervention",
        "report": detail,
        "legacy-report": live_server.url
        + reverse("surveys:report_detail", args=[legacy.public_id]),
    }
    problems, heights = [], {}
    for name, url in pages.items():
        page.goto(url)
        page.screenshot(path=screenshot_dir / f"phone-{name}.png", full_page=True)
        heights[name] = page_height(page)
        problems += layout_problems(page, name)
    print("page heights at 390 px:", heights)
    # The same pages on a laptop keep their tables.
    page.set_viewport_size(LAPTOP)
    for name, url in pages.items():
        page.goto(url)
        page.screenshot(path=screenshot_dir / f"laptop-{name}.png", full_page=True)
        problems += layout_problems(page, f"{name} (1366 px)")

    auditor_page = signed_in_page(browser, live_server, auditor)
    auditor_page.set_viewport_size(PHONE)
    auditor_page.goto(live_server.url + "/admin/surveys/report/")
    assert auditor_page.locator("#result_list tbody tr").count() == 6
    auditor_page.screenshot(path=screenshot_dir / "phone-admin-reports.png", full_page=True)
    problems += layout_problems(auditor_page, "admin-reports")

    assert problems == [], "\n".join(problems)
    assert heights["report"] < REPORT_PAGE_MAX_HEIGHT


def test_the_admin_list_shows_the_region_whole_on_a_laptop(
    live_server, browser, screenshot_dir, alice, auditor
):
    hospital_with_years_of_reports(alice, auditor)
    other_hospitals(auditor)
    page = signed_in_page(browser, live_server, auditor)
    page.set_viewport_size(LAPTOP)
    page.goto(live_server.url + "/admin/surveys/report/")
    page.screenshot(path=screenshot_dir / "laptop-admin-reports.png", full_page=True)

    results = page.locator("#changelist .results")
    scroll = results.evaluate("el => [el.scrollWidth, el.clientWidth]")
    box = results.bounding_box()
    cells = page.locator("#result_list td.field-region")
    longest = cells.filter(has_text="新疆维吾尔自治区伊犁哈萨克自治州伊宁市")
    cell = longest.bounding_box()

    assert scroll[0] <= scroll[1]  # the table is not cut off: no sideways scrolling
    assert cell["x"] + cell["width"] <= box["x"] + box["width"] + 1
    assert longest.inner_text() == "新疆维吾尔自治区伊犁哈萨克自治州伊宁市"
    assert page.evaluate(OVERFLOW_JS)["scrollWidth"] <= LAPTOP["width"]
    assert Institution.objects.count() == 3
