"""绑定既往数据 in Chromium (issues 8 and 19): the reminder dialog; a search with a typo whose
results show identity fields only; another hospital's record claimed → a 绑定申请, its
content hidden; the institution's own record bound at once → its report in 脑血管病登记 with
its cases; the auditor's queue with both sides side by side → 通过 → the record is the
applicant's, the competing application is told why it lost; 解绑 → gone from the list but
still in the database and the log, and binding it again needs an auditor."""

import re
import shutil
from pathlib import Path

import pytest

from binding.importer import import_legacy
from binding.models import BindingApplication, BindingLog, LegacyRecord
from surveys.models import Report
from tests.accounts.test_verification_browser import signed_in_page
from tests.surveys.test_basic_info import make_basic_info

from .helpers import hospital_row, write_attachment1, write_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SEARCH_BOX = "医院名称、行政区划、负责人或完整的联系电话"
# The screenshots are also copied here to be looked at (outside the repository).
SHOTS = Path("/tmp/shots_claims")


def shoot(page, screenshot_dir, name, phone=False):
    path = screenshot_dir / f"binding-{name}-desktop.png"
    page.screenshot(path=path, full_page=True)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    if phone:
        page.set_viewport_size(PHONE)
        page.screenshot(path=screenshot_dir / f"binding-{name}-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)


def legacy_export(folder):
    """The old platform's export: 甲医院 2018 (alice's own) with 3 + 1 cases, 北京协和医院 in
    2018 and 2017 (another hospital's), and their neighbours."""
    write_attachment1(folder, 2018, [
        hospital_row("北京协和医院", director_name="王建国", director_phone=13812345678),
        hospital_row("北京大学第一医院", county="西城区", director_name="李四"),
        hospital_row("甲医院", director_name="张伟", director_phone=13900001111),
    ])  # fmt: skip
    write_attachment1(folder, 2017, [hospital_row("北京协和医院", year=2017)], ".xls")
    write_cases(folder, 2018, "附件3", "甲医院", [
        [1, "2018年", "XH-001", 8, 2, 1, "阿替普酶", None],
        [2, "2018年", "XH-002", 12, 4, 2, "阿替普酶", None],
        [3, "2018年", "XH-003", 20, None, 6, "尿激酶", None],
    ])  # fmt: skip
    evt_rows = [[1, "2018年", "XH-101", "单纯取栓", 16, 6, 3]]
    write_cases(folder, 2018, "附件2", "甲医院", evt_rows, extension=".xls")


def search(page, live_server, query):
    page.get_by_placeholder(SEARCH_BOX).fill(query)
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(live_server.url + "/binding/search/")
    return page.locator("table.legacy-results tbody tr")


def test_claim_apply_approve_bind_unbind(
    live_server, browser, screenshot_dir, regions, tmp_path, alice, bob, auditor
):
    legacy_export(tmp_path / "export")
    assert import_legacy(tmp_path / "export").created == 4
    make_basic_info(alice)
    from django.db import connection

    query = "北京协合医院" if connection.vendor == "postgresql" else "协和"  # typo: pg_trgm

    # The welcome page reminds alice: her institution has bound nothing yet.
    page = signed_in_page(browser, live_server, alice)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    dialog = page.get_by_role("dialog", name="绑定既往数据提醒")
    dialog.wait_for(state="visible")
    assert dialog.get_by_text("本单位暂无绑定的数据，如以往填报过").is_visible()
    shoot(page, screenshot_dir, "reminder", phone=True)
    dialog.get_by_role("button", name="下次再说").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("#binding-reminder").count() == 0

    # A typo still finds 协和; the results show who and when, nothing of the 总表.
    page.locator("#sidebar").get_by_role("link", name="绑定既往数据").click()
    page.wait_for_url(live_server.url + "/binding/")
    results = search(page, live_server, query)
    assert results.first.locator("td").first.inner_text() == "北京协和医院"
    assert page.get_by_text("共帮你找到相关结果约").is_visible()
    assert page.get_by_text("138****5678").first.is_visible()
    assert "13812345678" not in page.url
    shoot(page, screenshot_dir, "search", phone=True)

    # Another hospital's 2017 record: a 绑定申请, its content hidden.
    results.filter(has_text="2017").get_by_role("link", name="绑定").click()
    page.wait_for_url(re.compile(r"/binding/records/[0-9a-f-]+/bind/\?back="))
    assert page.get_by_text("该数据需经审核员核实后才能绑定").is_visible()
    assert page.get_by_text("该数据的医院名称与本单位名称（含曾用名）不一致").is_visible()
    assert page.get_by_text("神经科出院患者总例数").count() == 0
    shoot(page, screenshot_dir, "apply")
    page.get_by_label("申请说明").fill("本院2017年曾以北京协和医院名义上报，现已更名为甲医院。")
    page.get_by_role("button", name="提交绑定申请").click()
    page.wait_for_url(re.compile(r"/binding/applications/[0-9a-f-]+/$"))
    assert page.get_by_text("待审核", exact=True).is_visible()
    assert page.get_by_text("本院2017年曾以北京协和医院名义上报").is_visible()
    assert page.get_by_text("单纯静脉溶栓个案").count() == 0
    shoot(page, screenshot_dir, "application", phone=True)

    # Its own record (甲医院, 北京市东城区) is bound at once, with its cases.
    page.goto(live_server.url + "/binding/search/")
    search(page, live_server, "甲医院").filter(has_text="2018").get_by_role(
        "link", name="绑定"
    ).click()
    assert page.get_by_text("该数据的医院名称和行政区划与本单位一致").is_visible()
    page.get_by_role("button", name="确认绑定").click()
    page.wait_for_url(re.compile(r"/binding/#report-[0-9a-f-]{36}$"))
    assert page.get_by_text("目前本单位已绑定1条数据").is_visible()
    assert page.locator("table.legacy-applications").get_by_text("待审核").is_visible()
    shoot(page, screenshot_dir, "bound", phone=True)
    page.locator("#sidebar").get_by_role("link", name="脑血管病登记").click()
    page.wait_for_url(live_server.url + "/registry/")
    report_row = page.locator("#report-2018")
    assert report_row.get_by_text("既往数据（已提交）").is_visible()
    report_row.get_by_role("link", name="查看详情").click()
    page.wait_for_url(re.compile(r"/registry/reports/[0-9a-f-]{36}/$"))
    assert page.get_by_text("本报告为绑定的既往数据（旧平台导入），只读").is_visible()
    page.get_by_role("link", name="单纯静脉溶栓个案登记").click()
    page.wait_for_load_state()
    assert page.get_by_text("XH-002").is_visible()
    assert page.get_by_role("link", name="增加病例").count() == 0  # 既往数据: read-only
    shoot(page, screenshot_dir, "report-cases")

    # bob claims the same 2017 record: a competing application.
    other = signed_in_page(browser, live_server, bob)
    other.set_viewport_size(DESKTOP)
    other.goto(live_server.url + "/binding/search/")
    search(other, live_server, "协和").filter(has_text="2017").get_by_role(
        "link", name="绑定"
    ).click()
    other.get_by_label("申请说明").fill("我院曾与北京协和医院合作上报。")
    other.get_by_role("button", name="提交绑定申请").click()
    other.wait_for_url(re.compile(r"/binding/applications/[0-9a-f-]+/$"))

    # The auditor's queue: both pending; alice's application side by side; 通过.
    desk = signed_in_page(browser, live_server, auditor)
    desk.set_viewport_size(DESKTOP)
    desk.goto(live_server.url + "/admin/binding/bindingapplication/")
    rows = desk.locator("#result_list tbody tr")
    assert rows.count() == 2
    shoot(desk, screenshot_dir, "admin-queue")
    rows.filter(has_text="甲医院").locator("th a, td a").first.click()
    desk.wait_for_url(re.compile(r"/admin/binding/bindingapplication/\d+/change/$"))
    comparison = desk.locator("#claim-comparison")
    assert comparison.get_by_text("北京市市辖区东城区").first.is_visible()
    assert comparison.get_by_text("✘ 不符").is_visible()
    assert desk.locator("#claim-competing").get_by_text("乙医院").is_visible()
    shoot(desk, screenshot_dir, "admin-application")
    desk.get_by_role("button", name="通过").click()
    desk.wait_for_url(live_server.url + "/admin/binding/bindingapplication/")
    assert desk.get_by_text("已批准 甲医院 绑定 北京协和医院 2017年度").is_visible()

    # alice now has the 2017 report; bob is told why his application lost.
    page.goto(live_server.url + "/registry/")
    assert page.locator("#report-2017").get_by_text("既往数据（已提交）").is_visible()
    other.reload()
    assert other.get_by_text("已驳回", exact=True).is_visible()
    assert other.get_by_text("该数据已由其他单位绑定").is_visible()
    shoot(other, screenshot_dir, "application-lost")

    # alice unbinds 甲医院 2018: asked first, then it is gone from 脑血管病登记 …
    page.goto(live_server.url + "/binding/")
    page.locator("table.legacy-bound tr", has_text="甲医院").get_by_role(
        "link", name="解绑"
    ).click()
    page.wait_for_url(re.compile(r"/unbind/$"))
    assert page.get_by_text("解绑后绑定的数据将会被清除").is_visible()
    page.get_by_role("button", name="确认解绑").click()
    page.wait_for_url(live_server.url + "/binding/")
    assert page.get_by_text("已解绑甲医院 2018年度的数据").is_visible()
    page.goto(live_server.url + "/registry/")
    assert page.locator("#report-2018").count() == 0
    # … and binding it again needs an auditor.
    own = LegacyRecord.objects.get(hospital_name="甲医院")
    page.goto(f"{live_server.url}/binding/records/{own.public_id}/bind/")
    assert page.get_by_text("本单位曾解绑该数据，再次绑定须经审核员核实").is_visible()
    shoot(page, screenshot_dir, "rebind")

    # Nothing was deleted: the report (hidden), its cases, the records and the log remain.
    report = Report.objects.get(institution=alice.institution, data_year=2018)
    assert report.deleted_at is not None and report.thrombolysis_cases.count() == 3
    assert list(BindingLog.objects.order_by("at", "id").values_list("action", "user")) == [
        ("bind", alice.pk),
        ("bind", alice.pk),
        ("unbind", alice.pk),
    ]
    assert sorted(BindingApplication.objects.values_list("status", flat=True)) == [
        "approved",
        "rejected",
    ]
