"""In Chromium: the printed 附件4 of a 北京 hospital reads 北京市 / 市辖区 / 东城区, and 本单位用户
停用 asks first (a page of its own, no script needed) before it stops the account."""

import datetime

import pytest
from django.utils import timezone

from surveys import reports
from surveys.models import ReportingWindow
from tests.accounts.test_verification_browser import signed_in_page
from tests.factories import UserFactory
from tests.surveys.helpers import required_only
from tests.surveys.test_basic_info import make_basic_info

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attachment4_of_a_beijing_hospital_prints_the_middle_level(
    live_server, browser, screenshot_dir, regions, alice
):
    today = timezone.localdate()
    ReportingWindow.objects.create(
        data_year=reports.current_data_year(),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
    )
    make_basic_info(alice)  # 北京市东城区 (110101)
    report = reports.save_survey(reports.open_current_report(alice), required_only(), [], alice)
    page = signed_in_page(browser, live_server, alice)

    page.goto(f"{live_server.url}/registry/reports/{report.public_id}/attachment4/")

    cells = [page.locator(f'td[data-cell="{name}"]') for name in ("province", "city", "county")]
    assert [cell.inner_text() for cell in cells] == ["北京市", "市辖区", "东城区"]
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1123, "height": 794})
    page.screenshot(path=screenshot_dir / "attachment4-beijing.png", full_page=True)


def test_stopping_a_colleague_asks_first(live_server, browser, screenshot_dir, alice_admin):
    colleague = UserFactory(
        username="colleague", real_name="同事甲", institution=alice_admin.institution
    )
    page = signed_in_page(browser, live_server, alice_admin)
    page.goto(f"{live_server.url}/institutions/users/")

    row = page.locator("tr", has=page.get_by_role("cell", name="colleague", exact=True))
    row.get_by_role("link", name="停用").click()

    assert page.get_by_text("确定要停用 同事甲（colleague）的账号吗？").is_visible()
    page.screenshot(path=screenshot_dir / "deactivate-confirm.png", full_page=True)
    colleague.refresh_from_db()
    assert colleague.is_active

    page.get_by_role("link", name="取消").click()
    page.wait_for_url(f"{live_server.url}/institutions/users/")
    row.get_by_role("link", name="停用").click()
    page.get_by_role("button", name="确认停用").click()
    page.wait_for_url(f"{live_server.url}/institutions/users/")

    assert page.get_by_text("已停用 ").first.is_visible()
    assert row.get_by_role("button", name="启用").is_visible()
    colleague.refresh_from_db()
    assert not colleague.is_active
