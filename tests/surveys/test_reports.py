"""The hospital's annual report pages (SPEC §3.6–3.8): the report list on 脑血管病登记,
在线填写调查表, 查看详情 (总表 tab), 修改总表 and 编辑日志.

The reporting window is opened and closed with ReportingWindow rows around today, so the
tests do not depend on the date they run.
"""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from surveys import reports
from surveys.editions import EDITIONS
from surveys.editions.base import Edition, Group, Item
from surveys.models import (
    BasicInfo,
    Report,
    ReportingWindow,
    ReportScan,
    WindowExtension,
)
from surveys.views.reports import ReportRow
from tests.surveys.helpers import EDITION, all_filled, required_only
from tests.surveys.test_basic_info import make_basic_info

HOME = reverse("surveys:home")
OPEN = reverse("surveys:open_report")


# Helpers ------------------------------------------------------------------------------------


def set_window(data_year, *, open_now=True):
    """The reporting window of ``data_year``: around today, or ended yesterday."""
    today = reports.today()
    if open_now:
        opens_on, closes_on = today - datetime.timedelta(days=10), today + datetime.timedelta(10)
    else:
        opens_on, closes_on = today - datetime.timedelta(days=60), today - datetime.timedelta(1)
    ReportingWindow.objects.update_or_create(
        data_year=data_year, defaults={"opens_on": opens_on, "closes_on": closes_on}
    )


def close_window(data_year=None):
    set_window(data_year or reports.current_data_year(), open_now=False)


def url(name, report, **query):
    path = reverse(f"surveys:{name}", args=[report.public_id])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (255, 255, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def add_scan(report, user, version=None):
    data = png_bytes()
    return ReportScan.objects.create(
        report=report,
        file=SimpleUploadedFile("scan.png", data, content_type="image/png"),
        kind="png",
        size=len(data),
        sha256="0" * 64,
        survey_version=report.survey_version if version is None else version,
        uploaded_by=user,
    )


def ready_report(report, user):
    """基本信息, a valid 总表 and an 附件4 scan of the current version: ready to 提交."""
    if not BasicInfo.objects.filter(institution_id=user.institution_id).exists():
        make_basic_info(user)
    report = reports.save_survey(report, required_only(), [], user)
    add_scan(report, user)
    return report


def submit_ready(report, user):
    """提交 a ready report, confirming every warning the check raises (e.g. 总表 ↔ cases)."""
    ready = ready_report(report, user)
    confirmed = [warning.id for warning in reports.submission_check(ready).warnings]
    return reports.submit(ready, user, confirmed)


def old_report(institution, data_year, **fields):
    """A report of an earlier year (its window long closed unless one is set)."""
    fields = {"edition": EDITION.id, "status_changed_at": timezone.now(), **fields}
    return Report.objects.create(institution=institution, data_year=data_year, **fields)


def form_data(values, confirm=()):
    data = {}
    for code, value in values.items():
        if isinstance(value, bool):
            data[code] = "1" if value else "0"
        else:
            data[code] = "" if value is None else str(value)
    data["confirm_warnings"] = list(confirm)
    return data


@pytest.fixture
def window(db):
    """The current data year's window is open."""
    set_window(reports.current_data_year())


@pytest.fixture
def signed_in(client, alice, window):
    make_basic_info(alice)
    client.force_login(alice)
    return client


@pytest.fixture
def report(alice, window):
    return reports.open_current_report(alice)


def row_of(response, report):
    """The HTML of the report's row in the list."""
    text = response.text
    start = text.index(f'id="report-{report.data_year}"')
    return text[start : text.index("</tr>", start)]


# 脑血管病登记: the report list --------------------------------------------------------------


def test_first_visit_shows_only_the_basic_info_form(client, alice, window):
    client.force_login(alice)

    response = client.get(HOME)

    assert "form" in response.context
    assert "在线填写调查表" not in response.text


def test_list_shows_one_row_a_year_newest_first(signed_in, alice, report):
    old_report(alice.institution, report.data_year - 2)
    old_report(alice.institution, report.data_year - 1)

    response = signed_in.get(HOME)

    years = [row.report.data_year for row in response.context["rows"]]
    assert years == [report.data_year, report.data_year - 1, report.data_year - 2]
    assert f"{report.data_year}年度医疗机构脑血管病诊疗情况" in response.text
    assert "共上报0例溶栓个案，0例介入个案" in row_of(response, report)
    assert "在线填写调查表" in response.text
    # The Excel section (issue 7) sits above the list (tests/excel_templates/test_views.py).
    page = response.text
    assert page.index("模板下载及数据上传") < page.index("医疗机构脑血管病诊疗情况")


def test_list_shows_case_counts_when_annotated(signed_in, report):
    row = Report.objects.get(pk=report.pk)
    row.ivt_count, row.evt_count = 7, 3

    html = render_to_string(
        "surveys/includes/report_list.html",
        {
            "rows": [ReportRow(row, [], False, None, None)],
            "current_window": "",
            "current_year": 2025,
        },
    )

    assert "共上报7例溶栓个案，3例介入个案" in html


def test_a_draft_row_offers_details_upload_delete_and_submit(signed_in, report):
    row = row_of(signed_in.get(HOME), report)

    assert "未提交" in row
    assert url("report_detail", report) in row
    assert url("report_delete", report) in row
    assert url("report_submit", report) in row
    assert "点击上传" in row and url("attachment4_scan", report) in row


def test_a_submitted_row_offers_details_and_the_scan_only(signed_in, alice, report):
    submit_ready(report, alice)

    row = row_of(signed_in.get(HOME), report)

    assert "已提交" in row
    assert url("report_detail", report) in row
    assert url("report_delete", report) not in row
    assert url("report_submit", report) not in row
    assert "查看" in row and "已过期" not in row


def test_a_returned_row_offers_submit_but_not_delete(signed_in, alice, auditor, report):
    submitted = submit_ready(report, alice)
    reports.return_report(submitted, auditor, "请核对死亡例数")

    row = row_of(signed_in.get(HOME), report)

    assert "已退回" in row
    assert url("report_submit", report) in row
    assert url("report_delete", report) not in row


def test_a_row_outside_the_window_offers_details_only(signed_in, report):
    close_window(report.data_year)

    row = row_of(signed_in.get(HOME), report)

    assert url("report_detail", report) in row
    assert url("report_delete", report) not in row
    assert url("report_submit", report) not in row
    assert "点击上传" not in row


def test_an_extension_reopens_the_row(signed_in, alice, report):
    close_window(report.data_year)
    WindowExtension.objects.create(
        institution=alice.institution,
        data_year=report.data_year,
        until=reports.today() + datetime.timedelta(days=3),
    )

    row = row_of(signed_in.get(HOME), report)

    assert url("report_submit", report) in row


def test_a_stale_scan_is_marked(signed_in, alice, report):
    ready = ready_report(report, alice)
    reports.save_survey(ready, required_only(ci_deaths=11), [], alice)

    row = row_of(signed_in.get(HOME), report)

    assert "查看" in row and "已过期" in row


def test_the_list_query_count_does_not_grow_with_reports(
    signed_in, alice, report, django_assert_num_queries
):
    add_scan(report, alice)
    signed_in.get(HOME)  # warm the session
    with CaptureQueriesContext(connection) as one_report:
        signed_in.get(HOME)
    for year in range(report.data_year - 5, report.data_year):
        add_scan(old_report(alice.institution, year), alice)
        set_window(year)
    with django_assert_num_queries(len(one_report.captured_queries)):
        response = signed_in.get(HOME)
    assert len(response.context["rows"]) == 6


def test_the_home_page_says_when_the_window_closes(signed_in):
    text = signed_in.get(HOME).text

    assert f"{reports.current_data_year()}年度数据填报截止到" in text


# 在线填写调查表 ------------------------------------------------------------------------------


def test_open_report_creates_the_report_once(signed_in, alice):
    first = signed_in.post(OPEN)
    second = signed_in.post(OPEN)

    report = Report.objects.get(institution=alice.institution)
    assert report.data_year == reports.current_data_year()
    assert first.url == second.url == url("report_survey", report)


def test_open_report_is_refused_when_the_window_is_closed(signed_in, alice):
    close_window()

    response = signed_in.post(OPEN, follow=True)

    assert not Report.objects.exists()
    assert "已经截止，目前只能查看" in response.text
    assert response.redirect_chain[-1][0] == HOME


def test_open_report_only_answers_post(signed_in):
    assert signed_in.get(OPEN).status_code == 405
    assert not Report.objects.exists()


# 查看详情 ------------------------------------------------------------------------------------


def test_detail_shows_the_header_and_masked_live_basic_info(signed_in, report):
    response = signed_in.get(url("report_detail", report))

    text = response.text
    assert "单位及负责人信息" in text
    assert "甲医院" in text and "王建国" in text
    assert "138****8000" in text and "13800138000" not in text
    assert "当前状态" in text and "未提交" in text
    assert "状态修改时间" in text
    assert f"{report.data_year}年度数据填报截止到" in text


def test_detail_shows_the_basic_info_as_submitted(signed_in, alice, report):
    submit_ready(report, alice)
    BasicInfo.objects.update(director_name="赵敏")

    text = signed_in.get(url("report_detail", report)).text

    assert "王建国" in text and "赵敏" not in text
    assert "提交时的基本信息" in text


def test_detail_shows_values_grouped_with_units_and_blanks(signed_in, alice, report):
    reports.save_survey(report, required_only(ivt_dnt_median_min=48), [], alice)

    response = signed_in.get(url("report_detail", report, tab="survey"))

    groups = response.context["groups"]
    assert [group.code for group, *_ in groups] == [group.code for group in EDITION.groups]
    shown = {value.label: value for _, values, _ in groups for value in values}
    assert shown["DNT中位数"].value == "48" and shown["DNT中位数"].unit == "分钟"
    assert shown["用替奈普酶例数"].value == "未填" and shown["用替奈普酶例数"].unit == ""
    assert "第一诊断脑梗死" in response.text
    assert "出院患者" in response.text


def test_a_blank_optional_group_is_said_once(signed_in, alice, report):
    reports.save_survey(report, required_only(), [], alice)

    response = signed_in.get(url("report_detail", report))

    blank = [group.code for group, _, all_blank in response.context["groups"] if all_blank]
    assert blank == [group.code for group in EDITION.groups if group.optional]
    assert response.text.count("本组为选填项目，未填写。") == len(blank)


def test_detail_shows_yes_no_values(signed_in, alice, report):
    reports.save_survey(report, all_filled(), [], alice)

    response = signed_in.get(url("report_detail", report))

    shown = {v.label: v.value for _, values, _ in response.context["groups"] for v in values}
    assert shown["DSA是否24h可用"] == "是"
    assert shown["可行CTP"] == "否"


def test_detail_shows_warnings_and_whether_confirmed(signed_in, alice, report):
    values = required_only(evt_direct=5)  # 单纯取栓 + 桥接 < 总例数: a warning
    reports.save_survey(report, values, ["evt_modes_account_for_total"], alice)

    response = signed_in.get(url("report_detail", report))

    [(warning, confirmed)] = response.context["warnings"]
    assert warning.rule_id == "evt_modes_account_for_total" and confirmed
    assert "已核对" in response.text


def test_an_empty_survey_invites_filling(signed_in, report):
    text = signed_in.get(url("report_detail", report)).text

    assert "总表尚未填写" in text
    assert url("report_survey", report) in text


def test_detail_buttons_of_an_editable_report(signed_in, report):
    text = signed_in.get(url("report_detail", report)).text

    for name in ("report_survey", "attachment4_print", "attachment4_scan", "report_submit",
                 "report_history"):  # fmt: skip
        assert url(name, report) in text, name
    assert "修改总表" in text and "打印附件4" in text and "编辑日志" in text


def test_detail_of_a_submitted_report_is_read_only(signed_in, alice, report):
    submit_ready(report, alice)

    text = signed_in.get(url("report_detail", report)).text

    assert url("report_survey", report) not in text
    assert url("report_submit", report) not in text
    assert "本报告已提交，正在等待审核，不能修改" in text
    assert url("attachment4_print", report) in text
    assert url("report_history", report) in text


def test_detail_says_why_a_closed_report_is_read_only(signed_in, report):
    close_window(report.data_year)

    response = signed_in.get(url("report_detail", report))

    text = response.text
    assert "已经截止，目前只能查看" in text
    assert "联系审核员" in text
    assert url("report_survey", report) not in text


def test_detail_shows_the_return_reason(signed_in, alice, auditor, report):
    submitted = submit_ready(report, alice)
    reports.return_report(submitted, auditor, "死亡例数偏高，请核对")

    text = signed_in.get(url("report_detail", report)).text

    assert 'id="return-reason"' in text
    assert "死亡例数偏高，请核对" in text
    assert url("report_survey", report) in text


def test_detail_lists_every_status_change(signed_in, alice, auditor, report):
    submitted = submit_ready(report, alice)
    reports.return_report(submitted, auditor, "请核对")

    response = signed_in.get(url("report_detail", report))

    assert [(t.action, t.user) for t in response.context["transitions"]] == [
        ("submit", alice),
        ("return", auditor),
    ]
    history = response.text[response.text.index('id="status-history"') :]
    assert "爱丽丝" in history and "审核员甲" in history
    assert "未提交 → 已提交" in history and "已提交 → 已退回" in history
    assert "请核对" in history


def test_detail_tabs_come_from_the_list(signed_in, report):
    response = signed_in.get(url("report_detail", report, tab="nonsense"))

    tabs = response.context["tabs"]
    assert [(tab["key"], tab["label"], tab["active"]) for tab in tabs] == [
        ("survey", "总表", True),
        ("thrombolysis", "单纯静脉溶栓个案登记", False),  # issue 6 (casesets.views)
        ("intervention", "血管内介入治疗个案登记", False),
    ]
    assert tabs[0]["url"] == url("report_detail", report, tab="survey")
    assert "groups" in response.context


def test_an_old_report_renders_with_its_own_edition(signed_in, alice, report, monkeypatch):
    old = Edition(
        id="2018",
        title="2018年版总表",
        year_label="2018",
        groups=(Group("A", "出院患者", (Item("neuro_total_2018", "神经科出院总数", "A"),)),),
    )
    monkeypatch.setitem(EDITIONS, "2018", old)
    earlier = old_report(
        alice.institution, report.data_year - 1, edition="2018", values={"neuro_total_2018": 9}
    )

    response = signed_in.get(url("report_detail", earlier))

    assert "神经科出院总数" in response.text
    assert "第一诊断脑梗死" not in response.text


# 修改总表 ------------------------------------------------------------------------------------


def test_edit_shows_the_stored_values(signed_in, alice, report):
    reports.save_survey(report, all_filled(), [], alice)

    form = signed_in.get(url("report_survey", report)).context["form"]

    assert form["ci_deaths"].value() == 10
    assert form["dsa_24h"].value() == "1"
    assert form["ctp_available"].value() == "0"


def test_saving_stores_the_values_and_makes_a_new_version(signed_in, alice, report):
    response = signed_in.post(url("report_survey", report), form_data(required_only()), follow=True)

    saved = Report.objects.get(pk=report.pk)
    assert saved.values == required_only()
    assert saved.survey_version == 1
    assert saved.survey_saved_by == alice
    assert response.redirect_chain[-1][0] == url("report_detail", report)
    assert "总表已保存。" in response.text


def test_an_error_blocks_saving_with_the_message(signed_in, report):
    values = required_only(ci_discharges=100, ci_with_htn=50, ci_deaths=120)

    response = signed_in.post(url("report_survey", report), form_data(values))

    assert response.status_code == 200
    assert "死亡例数（120）不能大于出院总例数（100）" in response.text
    assert Report.objects.get(pk=report.pk).survey_version == 0


def test_a_warning_must_be_confirmed_before_saving(signed_in, report):
    values = required_only(evt_direct=5)

    refused = signed_in.post(url("report_survey", report), form_data(values))
    assert refused.status_code == 200 and "请逐条核对下方的提示" in refused.text
    assert Report.objects.get(pk=report.pk).survey_version == 0

    signed_in.post(url("report_survey", report), form_data(values, ["evt_modes_account_for_total"]))
    saved = Report.objects.get(pk=report.pk)
    assert saved.survey_version == 1
    assert saved.confirmed_warnings == ["evt_modes_account_for_total"]


def test_saving_unchanged_values_says_so(signed_in, alice, report):
    reports.save_survey(report, required_only(), [], alice)

    response = signed_in.post(url("report_survey", report), form_data(required_only()), follow=True)

    assert "总表没有修改。" in response.text
    assert Report.objects.get(pk=report.pk).survey_version == 1


def test_saving_after_the_scan_says_attachment_4_is_stale(signed_in, alice, report):
    ready = ready_report(report, alice)
    assert "已上传附件4" in signed_in.get(url("report_survey", ready)).text

    response = signed_in.post(
        url("report_survey", ready), form_data(required_only(ci_deaths=11)), follow=True
    )

    assert "附件4已过期：请重新打印附件4" in response.text


@pytest.mark.parametrize("state", ["submitted", "approved", "closed"])
def test_a_locked_report_refuses_editing(signed_in, alice, auditor, report, state):
    if state == "closed":
        ready_report(report, alice)
        close_window(report.data_year)
        reason = "已经截止"
    else:
        ready = submit_ready(report, alice)
        reason = "本报告已提交"
        if state == "approved":
            reports.approve_report(ready, auditor)
            reason = "已审核通过"

    shown = signed_in.get(url("report_survey", report), follow=True)
    posted = signed_in.post(
        url("report_survey", report), form_data(required_only(ci_deaths=11)), follow=True
    )

    assert shown.redirect_chain[-1][0] == url("report_detail", report)
    assert reason in shown.text and reason in posted.text
    stored = Report.objects.get(pk=report.pk)
    assert stored.values["ci_deaths"] == 10 and stored.survey_version == 1


# 编辑日志 ------------------------------------------------------------------------------------


def test_history_lists_each_change_newest_first(signed_in, alice, auditor, report):
    reports.save_survey(report, required_only(), [], alice)
    reports.save_survey(report, required_only(ci_deaths=12, ivt_dnt_median_min=50), [], alice)
    ready = reports.save_survey(report, required_only(ci_deaths=12, ivt_dnt_median_min=50,
                                                      evt_direct=5),
                                ["evt_modes_account_for_total"], alice)  # fmt: skip
    add_scan(ready, alice)
    warnings = [warning.id for warning in reports.submission_check(ready).warnings]
    reports.submit(ready, alice, warnings)  # a status-only save: not a change of the 总表

    response = signed_in.get(url("report_history", report))

    newest, middle, first = response.context["revisions"]
    assert [(c.label, c.old, c.new) for c in newest.changes] == [
        ("血管内介入治疗 单纯取栓例数", "6 例", "5 例")
    ]
    assert [(c.label, c.old, c.new) for c in middle.changes] == [
        ("第一诊断脑梗死 死亡例数", "10 例", "12 例"),
        ("单纯静脉溶栓 DNT中位数", "未填", "50 分钟"),
    ]
    assert first.created and len(first.changes) == len(REQUIRED_CODES)
    assert first.changes[0].old == "未填"
    assert newest.who == "爱丽丝（alice）"
    assert "编辑日志" in response.text and "10 例" in response.text


REQUIRED_CODES = [item.code for item in EDITION.required_items]


def test_history_shows_yes_no(signed_in, alice, report):
    reports.save_survey(report, all_filled(), [], alice)
    reports.save_survey(report, all_filled(dsa_24h=False, ctp_available=None), [], alice)

    [newest, _] = signed_in.get(url("report_history", report)).context["revisions"]

    assert [(c.old, c.new) for c in newest.changes] == [("是", "否"), ("否", "未填")]


def test_history_is_paginated_and_diffs_across_pages(signed_in, alice, report, monkeypatch):
    monkeypatch.setattr("surveys.views.reports.HISTORY_PAGE_SIZE", 1)
    reports.save_survey(report, required_only(), [], alice)
    reports.save_survey(report, required_only(ci_deaths=11), [], alice)

    second_page = signed_in.get(url("report_history", report, page=2))
    first_page = signed_in.get(url("report_history", report, page=1))

    assert second_page.context["revisions"][0].created
    [change] = first_page.context["revisions"][0].changes
    assert (change.old, change.new) == ("10 例", "11 例")
    assert "第 1 / 2 页" in first_page.text


def test_history_of_an_untouched_report_is_empty(signed_in, report):
    response = signed_in.get(url("report_history", report))

    assert response.context["revisions"] == []
    assert "暂无编辑记录。" in response.text


def test_history_query_count_is_bounded(signed_in, alice, report, django_assert_max_num_queries):
    for deaths in range(10, 30):
        reports.save_survey(report, required_only(ci_deaths=deaths), [], alice)

    with django_assert_max_num_queries(12):
        signed_in.get(url("report_history", report))


def test_a_snapshot_kept_before_regions_were_printed_shows_the_middle_level(
    signed_in, alice, report
):
    # Submitted before issue 18 item 6: the snapshot spelled the region 北京市东城区.
    submitted = submit_ready(report, alice)
    snapshot = [
        [label, "北京市东城区" if label == "行政区划" else value]
        for label, value in submitted.basic_info_snapshot
    ]
    Report.objects.filter(pk=submitted.pk).update(basic_info_snapshot=snapshot)

    page = signed_in.get(url("report_detail", submitted)).text

    assert "北京市市辖区东城区" in page


def test_the_page_and_the_service_refuse_to_delete_a_returned_report_alike(
    signed_in, alice, auditor, report
):
    # Issue 20 item 5: "only 未提交 reports can be deleted" is one rule (delete_refusal).
    returned = reports.return_report(submit_ready(report, alice), auditor, "请核对死亡例数")

    page = signed_in.post(url("report_delete", returned), follow=True)
    with pytest.raises(reports.ReportError) as refused:
        reports.delete_report(returned, alice)

    assert refused.value.message == "只有未提交过的报告可以删除。"
    assert refused.value.message in page.text
    assert not Report.objects.get(pk=returned.pk).is_deleted
