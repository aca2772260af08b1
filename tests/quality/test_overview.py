"""数据概览 (issue 23 item 3): the auditors' table of a data year by province, drilled down
to cities and hospitals — counts of institutions and reports, late ones, cases, the chosen
indicator's median and completeness; filters, sorting, the .xlsx export; only inside the
auditor's 审核范围, and in a fixed number of queries."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from institutions.models import HospitalGrade, Region
from quality import overview
from quality.benchmarks import INSUFFICIENT
from quality.models import ReportIndicators
from surveys import reports
from surveys.models import ReportingWindow, ReportStatus, WindowExtension
from tests.casesets.conftest import make_report
from tests.factories import InstitutionFactory

YEAR = 2025
TODAY = datetime.date(2026, 4, 20)  # after the 2025 window (1 February – 31 March)
URL = "/admin/quality/reportindicators/"
EXPORT = "/admin/quality/reportindicators/export/"
DNT = "ivt_dnt_median"


@pytest.fixture(autouse=True)
def after_the_deadline(monkeypatch, regions):
    """Today is after the 2025 reporting window, so hospitals without a submitted report
    are late; the full 行政区划 table is loaded."""
    monkeypatch.setattr(reports, "today", lambda: TODAY)
    ReportingWindow.objects.create(
        data_year=YEAR, opens_on=datetime.date(2026, 2, 1), closes_on=datetime.date(2026, 3, 31)
    )


def hospital(region, status=None, *, dnt=None, n=10, filled=8, eligible=10, ivt=10, evt=2,
             year=YEAR, **fields):  # fmt: skip
    """An institution in ``region`` with (if ``status``) its report of ``year`` and the
    report's stored indicators: DNT ``dnt`` from ``n`` cases, ``filled`` of ``eligible``
    cases with DNT's inputs, ``ivt`` 溶栓 and ``evt`` 介入 cases."""
    institution = InstitutionFactory(region=Region.objects.get(code=region), **fields)
    if status is None:
        return institution
    report = make_report(institution, data_year=year, status=status)
    # update_or_create: in a transactional (browser) test the report's own computation
    # has already stored a row on commit.
    ReportIndicators.objects.update_or_create(
        report=report,
        defaults={
            "data_year": year,
            "institution": institution,
            "region_code": region,
            "province_code": region[:2] + "0000",
            "city_code": region[:4] + "00",
            "report_status": status,
            "counted": status in (ReportStatus.APPROVED, ReportStatus.LEGACY),
            "values": {
                DNT: {"value": dnt, "n": n, "filled": filled, "eligible": eligible},
                "ivt_cases": {"value": ivt, "n": ivt},
                "evt_cases": {"value": evt, "n": evt},
            },
            "computed_at": timezone.now(),
        },
    )
    return institution


def rows_of(page):
    return {row.name: row for row in page.rows}


def build(user, **filters):
    return overview.build(user, overview.Filters(year=filters.pop("year", YEAR), **filters))


@pytest.fixture
def country():
    """北京 (东城区, 朝阳区) and 广东 (广州 天河区, 深圳 福田区)."""
    return {
        "bj_approved": hospital("110101", ReportStatus.APPROVED, dnt=40, name="协和医院"),
        "bj_submitted": hospital("110105", ReportStatus.SUBMITTED, dnt=90, name="朝阳医院"),
        "bj_none": hospital("110105", name="朝阳二院", grade=HospitalGrade.GRADE_2A),
        "gd_returned": hospital(
            "440106", ReportStatus.RETURNED, name="中山医院", is_advanced_stroke_center=True
        ),
        "gd_draft_extended": hospital("440304", ReportStatus.DRAFT, name="福田医院"),
    }


# Counts ----------------------------------------------------------------------------------


def test_counts_per_province(country, auditor):
    WindowExtension.objects.create(
        institution=country["gd_draft_extended"], data_year=YEAR, until=TODAY
    )

    page = build(auditor)

    beijing, guangdong = rows_of(page)["北京市"], rows_of(page)["广东省"]
    assert (beijing.registered, beijing.reports, beijing.submitted, beijing.approved) == (
        3,
        2,
        1,
        1,
    )
    assert (beijing.returned, beijing.late) == (0, 1)  # 朝阳二院: no report after 31 March
    assert (guangdong.registered, guangdong.reports, guangdong.returned) == (2, 2, 1)
    assert guangdong.late == 1  # 中山医院 (returned); 福田医院 has an extension until today
    assert (beijing.ivt_cases, beijing.evt_cases) == (20, 4)
    assert page.total.registered == 5 and page.total.late == 2


def test_nobody_is_late_before_the_deadline(country, auditor, monkeypatch):
    monkeypatch.setattr(reports, "today", lambda: datetime.date(2026, 3, 31))

    page = build(auditor)

    assert page.late_possible is False and page.total.late == 0


def test_deleted_reports_do_not_count(country, auditor):
    country["bj_submitted"].reports.update(deleted_at=timezone.now())

    beijing = rows_of(build(auditor))["北京市"]

    assert (beijing.reports, beijing.submitted, beijing.late) == (1, 0, 2)


# Medians and completeness ------------------------------------------------------------------


def test_the_median_of_the_counted_hospitals(auditor):
    for value in (40, 50, 60, 70, 80):
        hospital("110101", ReportStatus.APPROVED, dnt=value, filled=9, eligible=10)
    hospital("110101", ReportStatus.SUBMITTED, dnt=200, filled=1, eligible=10)  # not counted

    beijing = rows_of(build(auditor))["北京市"]

    assert (beijing.median, beijing.hospitals) == (60, 5)
    # Completeness over every live report: (5 × 9 + 1) / 60.
    assert beijing.completeness == pytest.approx(46 * 100 / 60)


def test_fewer_than_five_hospitals_is_too_small_a_sample(client, auditor):
    for value in (40, 50, 60, 70):
        hospital("110101", ReportStatus.APPROVED, dnt=value)

    beijing = rows_of(build(auditor))["北京市"]
    client.force_login(auditor)
    html = client.get(URL).content.decode()

    assert beijing.median is INSUFFICIENT and beijing.hospitals == 4
    assert "样本不足" in html


def test_a_hospital_row_shows_its_own_value(country, auditor):
    page = build(auditor, region="110100")

    assert rows_of(page)["协和医院"].median == 40 and rows_of(page)["协和医院"].counted
    assert rows_of(page)["朝阳医院"].median == 90 and not rows_of(page)["朝阳医院"].counted


# Drilling down -----------------------------------------------------------------------------


def test_drill_down_from_the_nation_to_the_hospitals(client, country, auditor):
    client.force_login(auditor)

    nation = client.get(URL)
    province = client.get(URL, {"region": "440000"})
    city = client.get(URL, {"region": "440100"})

    assert nation.context["page"].level == overview.PROVINCES
    assert "region=440000" in nation.content.decode()
    assert [row.name for row in province.context["page"].rows] == ["广州市", "深圳市"]
    assert "region=440100" in province.content.decode()
    assert [row.name for row in city.context["page"].rows] == ["中山医院"]
    assert [name for _code, name in city.context["page"].trail] == ["全国", "广东省", "广州市"]


def test_a_municipality_drills_to_its_districts(country, auditor):
    page = build(auditor, region="110000")

    assert [row.name for row in page.rows] == ["北京市市辖区"]
    assert {row.name for row in build(auditor, region="110100").rows} == {
        "协和医院",
        "朝阳医院",
        "朝阳二院",
    }


def test_a_hospital_links_to_its_report(client, country, auditor):
    client.force_login(auditor)
    report = country["bj_approved"].reports.get()

    html = client.get(URL, {"region": "110100"}).content.decode()

    assert reverse("admin:surveys_report_change", args=[report.pk]) in html


# Filters and sorting -----------------------------------------------------------------------


def test_the_filters_choose_the_hospitals(country, auditor):
    hospital("110101", ReportStatus.APPROVED, dnt=50, year=2024)

    assert build(auditor, grade=HospitalGrade.GRADE_2A).total.registered == 1
    assert build(auditor, advanced="1").total.registered == 1
    assert build(auditor, advanced="0").total.registered == 5
    assert build(auditor, year=2024).total.reports == 1


def test_the_query_string_is_read_safely(db):
    filters = overview.filters_from(
        {"year": "abc", "grade": "x", "advanced": "2", "indicator": "no", "o": "password"}
    )

    assert filters == overview.Filters(year=reports.current_data_year())


def test_sorting_by_a_column(client, country, auditor):
    client.force_login(auditor)

    ascending = client.get(URL, {"o": "registered"}).context["page"].rows
    descending = client.get(URL, {"o": "-registered"}).context["page"].rows
    unknown = client.get(URL, {"o": "secret"})

    assert [row.name for row in ascending] == ["广东省", "北京市"]
    assert [row.name for row in descending] == ["北京市", "广东省"]
    assert unknown.status_code == 200 and unknown.context["page"].filters.order == ""


def test_rows_without_a_number_sort_last(auditor):
    for value in (40, 50, 60, 70, 80):
        hospital("440106", ReportStatus.APPROVED, dnt=value)
    hospital("110101", ReportStatus.APPROVED, dnt=10)

    for order in ("median", "-median"):
        assert [row.name for row in build(auditor, order=order).rows] == ["广东省", "北京市"]


# 审核范围 ----------------------------------------------------------------------------------


def test_a_beijing_auditor_sees_only_beijing(client, country, bj_auditor):
    client.force_login(bj_auditor)

    response = client.get(URL)
    html = response.content.decode()

    page = response.context["page"]
    assert page.filters.region == "110000" and page.level == overview.CITIES
    assert [name for _code, name in page.trail] == ["北京市"]
    assert page.total.registered == 3
    assert "广东" not in html and "中山医院" not in html and "全国" not in html


@pytest.mark.parametrize("region", ["", "440000", "440100", "440106", "000000", "11", "abc"])
def test_another_province_answers_404(client, country, bj_auditor, region):
    client.force_login(bj_auditor)

    response = client.get(URL, {"region": region})

    if region:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
    assert client.get(EXPORT, {"region": region or "440000"}).status_code == 404


def test_a_guangdong_auditor_sees_only_guangdong(country, gd_auditor):
    page = build(gd_auditor)

    assert [row.name for row in page.rows] == ["广州市", "深圳市"]
    with pytest.raises(overview.OutOfScope):
        build(gd_auditor, region="110000")


def test_hospital_users_and_anonymous_get_nothing(client, country, alice):
    for url in (URL, EXPORT):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(alice)
    for url in (URL, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and "北京市" not in response.content.decode()


def test_the_menu_offers_the_overview(client, auditor, bj_auditor):
    for user in (auditor, bj_auditor):
        client.force_login(user)
        assert URL in client.get(reverse("admin:index")).content.decode()


# Export ------------------------------------------------------------------------------------


def _sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


def test_the_export_is_the_table_as_shown(client, country, auditor):
    hospital("110101", ReportStatus.APPROVED, dnt=50, name='=HYPERLINK("http://x")')
    client.force_login(auditor)

    response = client.get(EXPORT, {"region": "110100", "o": "name"})
    sheet = _sheet(response)
    table = [row for row in sheet.iter_rows(values_only=True)]

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert table[0][:2] == ("数据年度", YEAR)
    assert table[1][:2] == ("范围", "全国 › 北京市 › 北京市市辖区")
    header = table[7]
    assert header[:3] == ("医疗机构", "医院等级", "高级卒中中心")
    assert header[-2:] == ("本院值（分钟）", "录入完整率（%）")
    names = [row[0] for row in table[8:-1]]
    assert set(names) == {"协和医院", "朝阳医院", "朝阳二院", '=HYPERLINK("http://x")'}
    xiehe = table[8 + names.index("协和医院")]
    assert xiehe[3:8] == (1, 0, 1, 0, 0) and xiehe[-2:] == (40, 80)
    assert table[-1][0] == "北京市市辖区合计（4家）"
    formula = sheet.cell(row=9 + names.index('=HYPERLINK("http://x")'), column=1)
    assert formula.data_type == "s" and formula.quotePrefix
    assert AuditEvent.objects.filter(action="export", detail__kind="overview").count() == 1


def test_a_beijing_export_holds_only_beijing(client, country, bj_auditor):
    client.force_login(bj_auditor)

    values = {
        str(cell) for row in _sheet(client.get(EXPORT)).iter_rows(values_only=True) for cell in row
    }

    assert "北京市市辖区" in values and not any("广" in value for value in values)


def test_exports_count_against_the_limit(client, country, auditor, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": ("1/h", None)}
    client.force_login(auditor)

    assert client.get(EXPORT).status_code == 200
    assert client.get(EXPORT).status_code == 429


# Queries -----------------------------------------------------------------------------------


def _hospitals(count):
    statuses = [ReportStatus.APPROVED, ReportStatus.SUBMITTED, ReportStatus.RETURNED, None]
    places = ["110101", "110105", "440106", "440304"]
    for index in range(count):
        hospital(places[index % 4], statuses[index % 3 if index % 5 else 3], dnt=30 + index)


def _queries(client, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", [{}, {"region": "440000"}, {"region": "440100"}])
def test_the_query_count_does_not_grow_with_the_hospitals(client, auditor, query):
    client.force_login(auditor)
    _hospitals(6)
    client.get(URL, query)  # the session's first request reads the user and its device
    small = _queries(client, query)
    _hospitals(12)  # 18 hospitals

    assert _queries(client, query) == small


def test_a_rows_own_page_is_scoped(client, country, bj_auditor):
    client.force_login(bj_auditor)
    ours = ReportIndicators.objects.get(institution=country["bj_approved"])
    theirs = ReportIndicators.objects.get(institution=country["gd_returned"])

    assert client.get(f"{URL}{ours.pk}/change/").status_code == 200
    assert client.get(f"{URL}{theirs.pk}/change/").status_code == 404
