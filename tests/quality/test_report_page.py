"""质控报告 (issue 23 item 2): the hospital's indicators beside its province and the nation,
with 样本不足 for small samples, never another hospital's name, and the same numbers in the
.xlsx."""

import io
import re
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quality.models import PROVISIONAL_LABEL, ReportIndicators, counts_in_benchmarks
from quality.models import city_code as city_of
from quality.models import province_code as province_of
from surveys.models import ReportStatus
from tests.casesets.conftest import make_report
from tests.factories import InstitutionFactory, region

URL = "/quality/report/"
XLSX_URL = "/quality/report.xlsx"
DNT = "ivt_dnt_median"  # minutes, lower is better, target ≤ 60
LE60 = "ivt_dnt_le60"  # %, higher is better


def entry(value, n=20, **extra):
    return {"value": value, "n": n, **extra}


def indicators(institution, year=2025, status=ReportStatus.APPROVED, **values):
    """A report of ``institution`` and its stored indicators ``values`` (code → entry), as
    ``quality.services.recompute_report`` would have stored them."""
    report = make_report(institution, data_year=year, status=status)
    code = institution.region_id
    # update: where on-commit callbacks run (a live-server test), the report's creation has
    # already stored its (empty) computed row.
    row, _created = ReportIndicators.objects.update_or_create(
        report=report,
        defaults={
            "data_year": year,
            "institution": institution,
            "region_code": code,
            "province_code": province_of(code),
            "city_code": city_of(code),
            "report_status": status,
            "counted": counts_in_benchmarks(report),
            "values": values,
            "computed_at": timezone.now(),
        },
    )
    return row


def hospitals(values, *, region_code="110101", year=2025, prefix="对照医院"):
    """Counted hospitals with the DNT medians ``values`` (20 cases each)."""
    made = []
    for index, value in enumerate(values):
        institution = InstitutionFactory(
            name=f"{prefix}{region_code}-{index}号", region=region(region_code)
        )
        indicators(institution, year, **{DNT: entry(value), LE60: entry(50.0 + index)})
        made.append(institution)
    return made


def cell(html, code, column):
    """The text of the table cell ``column`` of indicator ``code``'s row."""
    row = re.search(rf'<tr data-indicator="{code}">(.*?)</tr>', html, re.S).group(1)
    return re.search(rf'data-col="{column}">(.*?)</td>', row, re.S).group(1).strip()


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def own(alice):
    """alice's hospital (北京, 110101): DNT median 40 (Q1 30, Q3 55) over 20 cases."""
    return indicators(alice.institution, **{DNT: entry(40, q1=30, q3=55), LE60: entry(80.0)})


@pytest.fixture
def beijing(own):
    return hospitals([50, 60, 70, 80])  # with alice: 5 counted hospitals in 北京


@pytest.fixture
def guangdong(own):
    return hospitals([30, 90, 100, 110, 120], region_code="440106")


# --- access ---------------------------------------------------------------------------------


def test_a_verified_member_opens_the_report(signed_in, own):
    response = signed_in.get(URL)

    assert response.status_code == 200
    assert "质控报告" in response.text
    assert 'role="img"' in response.text


def test_an_unverified_user_gets_the_verification_prompt(client, newcomer, own):
    client.force_login(newcomer)

    for url in (URL, XLSX_URL):
        response = client.get(url)
        assert response.status_code == 403
        assert 'id="verification-required"' in response.text
        assert "DNT" not in response.text


def test_an_auditor_is_refused(client, auditor, own):
    client.force_login(auditor)

    assert client.get(URL).status_code == 403
    assert client.get(XLSX_URL).status_code == 403


def test_an_anonymous_visitor_goes_to_the_login(client, own):
    response = client.get(URL)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_menu_offers_the_report_to_verified_members(client, alice, newcomer):
    client.force_login(alice)
    assert reverse("quality:report") in client.get(reverse("welcome")).text

    client.force_login(newcomer)
    assert reverse("quality:report") not in client.get(reverse("welcome")).text


# --- numbers --------------------------------------------------------------------------------


def test_the_table_puts_the_hospital_beside_its_province_and_the_nation(
    signed_in, beijing, guangdong
):
    html = signed_in.get(URL).text

    assert cell(html, DNT, "value") == "40（30–55）"
    assert cell(html, DNT, "n") == "20"
    # 北京: 40 50 60 70 80 → median 60, Q1 50, Q3 70; alice is the lowest of five.
    assert cell(html, DNT, "province") == "60（50–70）"
    assert cell(html, DNT, "province-n") == "5"
    assert cell(html, DNT, "province-pct") == "10"
    # 全国: 30 40 50 60 70 80 90 100 110 120 → median 75, Q1 52.5, Q3 97.5; 1 below, itself.
    assert cell(html, DNT, "nation") == "75（52.5–97.5）"
    assert cell(html, DNT, "nation-n") == "10"
    assert cell(html, DNT, "nation-pct") == "15"
    assert cell(html, DNT, "target") == "≤60 分钟"


def test_the_hospital_never_sees_another_hospitals_name(signed_in, beijing, guangdong):
    others = [institution.name for institution in beijing + guangdong]

    html = signed_in.get(URL).text
    book = openpyxl.load_workbook(io.BytesIO(signed_in.get(XLSX_URL).content))
    cells = " ".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )

    assert signed_in.session  # the page is the signed-in hospital's
    for name in others:
        assert name not in html
        assert name not in cells
    assert "对照医院" not in html and "对照医院" not in cells


def test_a_group_of_four_hospitals_is_shown_as_too_small(signed_in, own):
    # Four counted hospitals in all (alice and three others, in 北京): no number of theirs.
    hospitals([123.4, 156.7, 189.2])

    html = signed_in.get(URL).text
    book = openpyxl.load_workbook(io.BytesIO(signed_in.get(XLSX_URL).content))
    cells = [value for sheet in book for row in sheet.iter_rows(values_only=True) for value in row]

    for column in ("province", "province-pct", "nation", "nation-pct"):
        assert cell(html, DNT, column) == "样本不足"
    assert cell(html, DNT, "nation-n") == "4"
    for value in (123.4, 156.7, 189.2):
        assert str(value) not in html
        assert value not in cells


def test_a_value_from_four_cases_is_shown_as_too_small(signed_in, alice, beijing, guangdong):
    ReportIndicators.objects.filter(institution=alice.institution).update(
        values={DNT: entry(37, n=4, q1=33, q3=41), LE60: entry(75.0, n=4)}
    )

    html = signed_in.get(URL).text

    assert cell(html, DNT, "value") == "样本不足"
    assert cell(html, DNT, "n") == "4"
    assert cell(html, DNT, "nation-pct") == "样本不足"
    assert cell(html, LE60, "value") == "样本不足"
    assert "本院：样本不足" in html  # in the distribution chart
    assert "37" not in html


def test_an_unapproved_report_is_labelled_as_the_hospitals_current_figures(
    signed_in, alice, beijing
):
    ReportIndicators.objects.filter(institution=alice.institution).update(
        counted=False, report_status=ReportStatus.SUBMITTED
    )

    html = signed_in.get(URL).text

    assert str(PROVISIONAL_LABEL) in html
    assert cell(html, DNT, "value") == "40（30–55）"
    # Its own value is not in the group: 北京 now has four counted hospitals.
    assert cell(html, DNT, "province") == "样本不足"


def test_the_query_count_does_not_grow_with_the_hospitals(signed_in, own):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(URL).status_code == 200
        return len(captured)

    queries()  # the first request of a session reads more (the session, the user's groups)
    hospitals([50, 60, 70, 80, 90])
    with_five = queries()
    hospitals([55, 65, 75, 85, 95, 105, 115, 125, 135, 145], region_code="440106")
    with_fifteen = queries()

    assert with_five == with_fifteen


# --- years ----------------------------------------------------------------------------------


@pytest.fixture
def years(alice, bob, own):
    indicators(alice.institution, 2023, ReportStatus.LEGACY, **{DNT: entry(65)})
    indicators(bob.institution, 2024, **{DNT: entry(45)})


def test_the_year_chooser_offers_only_the_hospitals_years(signed_in, years):
    html = signed_in.get(URL).text

    options = re.findall(r'<option value="(\d+)"', html)
    assert options == ["2025", "2023"]
    assert signed_in.get(URL, {"year": "2024"}).status_code == 404
    assert signed_in.get(XLSX_URL, {"year": "2024"}).status_code == 404
    assert signed_in.get(URL, {"year": "二〇二三"}).status_code == 404


def test_the_trend_has_every_year_with_the_legacy_year_marked(signed_in, years):
    html = signed_in.get(URL, {"year": "2023"}).text

    assert cell(html, DNT, "value") == "65"
    assert "本年度为已绑定的既往数据" in html
    figure = html[html.index('id="qc-fig-ivt_dnt_median"') :]
    figure = figure[: figure.index("</figure>")]
    assert re.search(r"2023<span[^>]*>既往数据</span>", figure)
    assert re.search(r"2025<span[^>]*>已审核</span>", figure)
    assert "2024" not in figure


def test_a_hospital_without_reports_sees_an_empty_page(signed_in):
    response = signed_in.get(URL)

    assert response.status_code == 200
    assert "本单位尚无可用的质控数据" in response.text
    assert signed_in.get(XLSX_URL).status_code == 404


# --- xlsx -----------------------------------------------------------------------------------


def test_the_xlsx_has_the_numbers_of_the_table(signed_in, beijing, guangdong):
    response = signed_in.get(XLSX_URL, {"year": "2025"})

    assert response.status_code == 200
    assert quote("质控报告_2025.xlsx") in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "静脉溶栓（附件3）",
        "血管内介入治疗（附件2）",
        "总表（附件1）",
        "历年趋势",
    ]
    rows = list(book["静脉溶栓（附件3）"].iter_rows(values_only=True))
    first_cells = [row[0] for row in rows]
    header = rows[first_cells.index("指标")]
    dnt = dict(zip(header, rows[first_cells.index("DNT中位数（到院至溶栓）")], strict=True))
    assert dnt["本院"] == 40
    assert dnt["本院例数"] == 20
    assert (dnt["省内中位数"], dnt["省内医院数"], dnt["本院省内百分位"]) == (60, 5, 10)
    assert (dnt["全国中位数"], dnt["全国Q1"], dnt["全国Q3"]) == (75, 52.5, 97.5)
    assert (dnt["全国医院数"], dnt["本院全国百分位"]) == (10, 15)
    trend = list(book["历年趋势"].iter_rows(values_only=True))
    assert ("DNT中位数（到院至溶栓）", "分钟", 2025, "已审核", 40, 20, 75, 10) in trend


def test_the_xlsx_keeps_a_formula_like_name_as_text(signed_in, alice, own):
    alice.institution.name = "=HYPERLINK(1)医院"
    alice.institution.save()

    book = openpyxl.load_workbook(io.BytesIO(signed_in.get(XLSX_URL).content))

    title = book["历年趋势"]["A1"]
    assert title.data_type == "s"
    assert title.value.startswith("=HYPERLINK(1)医院")
