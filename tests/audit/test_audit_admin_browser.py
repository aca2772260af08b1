"""审计日志 in the admin, as an auditor sees it in Chromium: filters beside the list, no add
button, a read-only record."""

import pytest

import audit
from tests.accounts.test_verification_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_filters_the_log_and_opens_a_read_only_record(
    live_server, browser, screenshot_dir, auditor, alice
):
    audit.record(None, audit.Action.LOGIN_FAILED, outcome="failure", username="mallory")
    event = audit.record(None, audit.Action.EXPORT, user=alice, kind="reports", rows=12)
    page = signed_in_page(browser, live_server, auditor)

    page.goto(f"{live_server.url}/admin/audit/auditevent/")
    page.get_by_role("link", name="导出数据").click()
    page.screenshot(path=screenshot_dir / "audit-log-changelist.png", full_page=True)

    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "alice" in rows.first.inner_text()
    assert page.locator(".object-tools a.addlink").count() == 0

    rows.first.locator("th a").click()
    page.screenshot(path=screenshot_dir / "audit-log-record.png", full_page=True)
    assert f"/admin/audit/auditevent/{event.pk}/change/" in page.url
    assert page.locator("input[name=_save]").count() == 0
    assert '"rows": 12' in page.locator(".field-detail").inner_text()
