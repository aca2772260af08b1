"""绑定既往数据 in Chromium (issue 8's must-show): the reminder dialog, a search with a typo,
绑定 → the report in 脑血管病登记 with its cases, the same record refused to another
institution, 解绑 → gone from the list but still in the database and in the log."""

import re

import pytest
from django.db import connection

from binding.importer import import_legacy
from binding.models import BindingLog, LegacyRecord
from surveys.models import Report
from tests.accounts.test_verification_browser import signed_in_page
from tests.surveys.test_basic_info import make_basic_info

from .helpers import hospital_row, write_attachment1, write_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def shoot(page, screenshot_dir, name, phone=False):
    page.screenshot(path=screenshot_dir / f"binding-{name}-desktop.png", full_page=True)
    if phone:
        page.set_viewport_size(PHONE)
        page.screenshot(path=screenshot_dir / f"binding-{name}-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)


def legacy_export(folder):
    """The old platform's export: 北京协和医院 2018 with 3 + 1 cases, and its neighbours."""
    write_attachment1(folder, 2018, [
        hospital_row("北京协和医院", director_name="王建国", director_phone=13812345678),
        hospital_row("北京大学第一医院", county="西城区", director_name="李四"),
        hospital_row("北京市东城区演示医院", director_name="张伟"),
    ])  # fmt: skip
    write_attachment1(folder, 2017, [hospital_row("北京协和医院", year=2017)], ".xls")
    write_cases(folder, 2018, "附件3", "北京协和医院", [
        [1, "2018年", "XH-001", 8, 2, 1, "阿替普酶", None],
        [2, "2018年", "XH-002", 12, 4, 2, "阿替普酶", None],
        [3, "2018年", "XH-003", 20, None, 6, "尿激酶", None],
    ])  # fmt: skip
    evt_rows = [[1, "2018年", "XH-101", "单纯取栓", 16, 6, 3]]
    write_cases(folder, 2018, "附件2", "北京协和医院", evt_rows, extension=".xls")


def test_reminder_search_bind_refuse_unbind(
    live_server, browser, screenshot_dir, regions, tmp_path, alice, bob
):
    legacy_export(tmp_path / "export")
    assert import_legacy(tmp_path / "export").created == 4
    make_basic_info(alice)
    typo_works = connection.vendor == "postgresql"
    query = "北京协合医院" if typo_works else "协和"  # SQLite: plain substring search

    # The welcome page reminds alice: her institution has bound nothing yet.
    page = signed_in_page(browser, live_server, alice)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    dialog = page.get_by_role("dialog", name="绑定既往数据提醒")
    dialog.wait_for(state="visible")
    assert dialog.get_by_text("本单位暂无绑定的数据，如以往填报过").is_visible()
    shoot(page, screenshot_dir, "reminder", phone=True)

    # 下次再说 hides it for this session.
    dialog.get_by_role("button", name="下次再说").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("#binding-reminder").count() == 0

    # The menu's 绑定既往数据: nothing bound yet, so the search; a typo still finds 协和.
    page.locator("#sidebar").get_by_role("link", name="绑定既往数据").click()
    page.wait_for_url(live_server.url + "/binding/")
    page.get_by_placeholder("医院名称、行政区划、负责人或联系电话").fill(query)
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/binding/search/\?q="))
    results = page.locator("table.legacy-results tbody tr")
    assert results.first.locator("td").first.inner_text() == "北京协和医院"
    assert page.get_by_text("共帮你找到相关结果约").is_visible()
    assert page.get_by_text("138****5678").first.is_visible()
    shoot(page, screenshot_dir, "search", phone=True)

    # 绑定 the 2018 record after checking it.
    row_2018 = results.filter(has_text="北京协和医院").filter(has_text="2018")
    row_2018.get_by_role("link", name="绑定").click()
    page.wait_for_url(re.compile(r"/binding/records/[0-9a-f-]+/bind/\?back="))
    assert page.get_by_text("单纯静脉溶栓个案 3 例，血管内介入治疗个案 1 例").is_visible()
    shoot(page, screenshot_dir, "confirm")
    page.get_by_role("button", name="确认绑定").click()
    page.wait_for_url(re.compile(r"/binding/#report-\d+$"))
    assert page.get_by_text("目前本单位已绑定1条数据").is_visible()
    assert page.get_by_text("已绑定北京协和医院 2018年度的数据").is_visible()
    shoot(page, screenshot_dir, "bound", phone=True)

    # It is alice's 2018 report in 脑血管病登记, read-only, with its 总表 and its cases.
    page.locator("#sidebar").get_by_role("link", name="脑血管病登记").click()
    page.wait_for_url(live_server.url + "/registry/")
    report_row = page.locator("#report-2018")
    assert report_row.get_by_text("2018年度医疗机构脑血管病诊疗情况").is_visible()
    assert report_row.get_by_text("既往数据（已提交）").is_visible()
    shoot(page, screenshot_dir, "registry")
    report_row.get_by_role("link", name="查看详情").click()
    page.wait_for_url(re.compile(r"/registry/reports/\d+/$"))
    assert page.get_by_text("本报告为绑定的既往数据（旧平台导入），只读").is_visible()
    assert page.get_by_text("医疗机构卒中现状调查表（2018年版）").is_visible()
    shoot(page, screenshot_dir, "report")
    report = Report.objects.get(institution=alice.institution, data_year=2018)
    assert sorted(report.thrombolysis_cases.values_list("admission_no", flat=True)) == [
        "XH-001",
        "XH-002",
        "XH-003",
    ]
    assert list(report.intervention_cases.values_list("admission_no", flat=True)) == ["XH-101"]
    page.get_by_role("link", name="单纯静脉溶栓个案登记").click()
    page.wait_for_load_state()
    assert page.get_by_text("XH-002").is_visible()
    assert page.get_by_role("link", name="增加病例").count() == 0  # 既往数据: read-only
    shoot(page, screenshot_dir, "report-cases")
    page.get_by_role("link", name="血管内介入治疗个案登记").click()
    page.wait_for_load_state()
    assert page.get_by_text("XH-101").is_visible()

    # bob's institution is reminded too; 立即绑定 → the search, where the record is taken.
    other = signed_in_page(browser, live_server, bob)
    other.set_viewport_size(DESKTOP)
    other.goto(live_server.url + "/")
    other.get_by_role("dialog", name="绑定既往数据提醒").get_by_role(
        "link", name="立即绑定"
    ).click()
    other.wait_for_url(live_server.url + "/binding/")
    other.get_by_placeholder("医院名称、行政区划、负责人或联系电话").fill("协和")
    other.get_by_role("button", name="搜索").click()
    other.wait_for_url(re.compile(r"/binding/search/\?q="))
    taken = other.locator("table.legacy-results tbody tr").filter(has_text="2018")
    assert taken.get_by_text("已被其他单位绑定").is_visible()
    assert taken.get_by_role("link", name="绑定").count() == 0
    shoot(other, screenshot_dir, "taken")
    # Its 绑定 address, opened anyway, refuses with the reason (and shows nothing of it).
    record = LegacyRecord.objects.get(hospital_name="北京协和医院", data_year=2018)
    response = other.goto(f"{live_server.url}/binding/records/{record.public_id}/bind/")
    assert response.status == 404
    assert other.get_by_text("已被其他单位绑定，不能再绑定").is_visible()
    shoot(other, screenshot_dir, "refused")
    assert not Report.objects.filter(institution=bob.institution).exists()

    # alice unbinds it: asked first, then it is gone from 脑血管病登记.
    page.goto(live_server.url + "/binding/")
    page.locator("table.legacy-bound").get_by_role("link", name="解绑").click()
    page.wait_for_url(re.compile(r"/unbind/$"))
    assert page.get_by_text("解绑后绑定的数据将会被清除").is_visible()
    shoot(page, screenshot_dir, "unbind")
    page.get_by_role("button", name="确认解绑").click()
    page.wait_for_url(live_server.url + "/binding/")
    assert page.get_by_text("已解绑北京协和医院 2018年度的数据").is_visible()
    page.goto(live_server.url + "/registry/")
    assert page.locator("#report-2018").count() == 0

    # Nothing was deleted: the report (hidden), its cases, the record and the log remain.
    report.refresh_from_db()
    assert report.deleted_at is not None and report.thrombolysis_cases.count() == 3
    record.refresh_from_db()
    assert record.bound_institution is None
    assert list(BindingLog.objects.order_by("at", "id").values_list("action", "user")) == [
        ("bind", alice.pk),
        ("unbind", alice.pk),
    ]
