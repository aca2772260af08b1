"""Issue 17 items 3, 5 and 7: control characters are refused (import and forms alike), no
workbook the platform writes holds a live formula, and 附件1's 年度 must be the report's."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from casesets.forms import ThrombolysisCaseForm
from casesets.models import ImportBatch, ThrombolysisCase
from excel_templates import services
from excel_templates.reading import UploadRefused
from excel_templates.templates import templates_zip
from tests.casesets.conftest import DATA_YEAR
from tests.casesets.test_forms import IVT_POST
from tests.inert import assert_no_live_formula
from tests.surveys.test_basic_info import make_basic_info

from .files import (
    SURVEY_VALUES,
    fill_survey,
    filled_case_template,
    replace_members,
)
from .test_import import _upload

HYPERLINK = '=HYPERLINK("http://evil.example/x","点击查看")'
DDE = "=cmd|' /C calc'!A0"


def _with_text(content: bytes, placeholder: str, raw_xml_text: str) -> bytes:
    """``content`` with a string cell's text replaced in the XML as a writer put it, e.g.
    with Excel's ``_x0001_`` escapes or the raw characters themselves."""
    changes = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if placeholder.encode() in data:
                changes[name] = data.replace(placeholder.encode(), raw_xml_text.encode())
    assert changes
    return replace_members(content, changes)


# Item 3 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, letter, written",
    [
        ("admission_no", "C", "ZY_x0001__x0002__x001B_001"),  # Excel's escapes
        ("admission_no", "C", "ZY\x01\x02\x1b001"),  # the characters themselves
        ("thrombolytic_drug", "G", "替奈普酶_x0000_"),
        ("thrombolytic_drug", "G", "替奈普酶_x0085_"),  # C1
    ],
)
def test_a_cell_with_control_characters_is_an_error_naming_the_cell(
    report, alice, column, letter, written
):
    content = filled_case_template(3, DATA_YEAR, [{"admission_no": "A1", column: "PLACEHOLDER"}])
    content = _with_text(content, "PLACEHOLDER", written)

    batch = _upload(report, 3, content, alice)

    [error] = services.preview(batch).parsed.errors
    assert (error.row, error.letter) == (6, letter)
    assert "含有不可见的控制字符" in error.reason
    assert "\\x" in error.value  # shown, not hidden
    with pytest.raises(Exception, match="错误"):
        services.confirm(batch, alice)
    assert ThrombolysisCase.objects.count() == 0


def test_two_admission_numbers_that_differ_only_by_control_characters_stay_apart(
    report, alice
):
    services.confirm(
        _upload(report, 3, filled_case_template(3, DATA_YEAR, [{"admission_no": "ZY001"}]),
                alice),
        alice,
    )  # fmt: skip
    content = _with_text(
        filled_case_template(3, DATA_YEAR, [{"admission_no": "PLACEHOLDER"}]),
        "PLACEHOLDER",
        "ZY_x0001_001",
    )

    batch = _upload(report, 3, content, alice)

    assert ["含有不可见的控制字符" in e.reason for e in services.preview(batch).parsed.errors] == [
        True
    ]


@pytest.mark.parametrize(
    "field, value",
    [("admission_no", "ZY\x01\x02\x1b001"), ("thrombolytic_drug_other", "某药\x07")],
)
def test_the_case_form_refuses_control_characters_with_the_same_message(report, field, value):
    changes = {field: value}
    if field == "thrombolytic_drug_other":
        changes["thrombolytic_drug"] = "other"
    form = ThrombolysisCaseForm({**IVT_POST, **changes}, report=report)

    assert not form.is_valid()
    assert "含有不可见的控制字符" in " ".join(form.errors[field])


def test_free_text_may_keep_a_line_break(report):
    form = ThrombolysisCaseForm(
        {**IVT_POST, "thrombolytic_drug": "other", "thrombolytic_drug_other": "某药\n另一药"},
        report=report,
    )

    assert "thrombolytic_drug_other" not in form.errors


# Item 5 ------------------------------------------------------------------------------------


def test_the_annotated_copy_hands_back_no_live_formula(report, alice):
    content = filled_case_template(
        3, DATA_YEAR, [{"admission_no": "A1", "nihss_pre": 50}, {"admission_no": "A2"}]
    )
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Sheet3"]
    sheet["T6"], sheet["T7"], sheet["U6"] = HYPERLINK, DDE, "=1+1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = _upload(report, 3, buffer.getvalue(), alice)

    annotated = load_workbook(io.BytesIO(services.annotated_copy(batch)))

    assert assert_no_live_formula(annotated) > 0
    sheet = annotated["Sheet3"]
    # Never calculated (openpyxl writes no cached value): the formula's own text, inert.
    assert (sheet["T6"].value, sheet["T7"].value) == (HYPERLINK, DDE)
    assert "0-42" in sheet["D6"].comment.text


def test_the_annotated_copy_keeps_the_value_a_spreadsheet_calculated(report, alice):
    content = filled_case_template(3, DATA_YEAR, [{"admission_no": "A1", "nihss_pre": 50}])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    # A formula with the value Excel cached for it, as Excel saves one.
    sheet = sheet.replace(b"</row></sheetData>",
                          b'<c r="T6"><f>HYPERLINK("http://evil.example","x")</f><v>7</v></c>'
                          b"</row></sheetData>", 1)  # fmt: skip
    batch = _upload(report, 3, replace_members(content, {"xl/worksheets/sheet1.xml": sheet}),
                    alice)  # fmt: skip

    annotated = load_workbook(io.BytesIO(services.annotated_copy(batch)))

    assert assert_no_live_formula(annotated) > 0
    assert annotated["Sheet3"]["T6"].value == 7


def test_one_click_templates_write_a_formula_like_hospital_name_as_text(alice, report):
    info = make_basic_info(alice)
    info.hospital_name = HYPERLINK
    info.director_name = DDE

    with zipfile.ZipFile(io.BytesIO(templates_zip(DATA_YEAR, info))) as archive:
        names = [n for n in archive.namelist() if n.endswith(".xlsx")]
        workbooks = [load_workbook(io.BytesIO(archive.read(n))) for n in names]

    assert len(workbooks) == 3
    for workbook in workbooks:
        assert_no_live_formula(workbook)
        texts = {c.value for s in workbook.worksheets for row in s.iter_rows() for c in row}
        assert HYPERLINK in texts


def test_the_one_click_download_page_serves_inert_templates(client, alice, report):
    make_basic_info(alice, hospital_name=HYPERLINK)
    client.force_login(alice)

    response = client.get(reverse("excel:download_templates"))

    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            assert_no_live_formula(load_workbook(io.BytesIO(archive.read(name))))


# Item 7 ------------------------------------------------------------------------------------


def _survey_with_year(year_cell) -> bytes:
    from excel_templates.templates import template_bytes

    content = fill_survey(template_bytes(1, DATA_YEAR, None), SURVEY_VALUES)
    workbook = load_workbook(io.BytesIO(content))
    workbook["Sheet2"]["J4"] = year_cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_survey_of_another_year_is_refused(report, alice):
    with pytest.raises(UploadRefused) as refused:
        _upload(report, 1, _survey_with_year(f"{DATA_YEAR - 1}年"), alice)

    assert refused.value.message.startswith(
        f"文件中的年度（{DATA_YEAR - 1}年）与当前报告年度（{DATA_YEAR}年）不一致"
    )
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("year_cell", [f"{DATA_YEAR}年", DATA_YEAR, f" {DATA_YEAR} ", None])
def test_a_survey_of_the_report_year_or_without_one_is_accepted(report, alice, year_cell):
    batch = _upload(report, 1, _survey_with_year(year_cell), alice)

    assert services.confirm(batch, alice) == 1


def test_an_unreadable_year_is_refused_too(report, alice):
    with pytest.raises(UploadRefused, match="文件中的年度（明年）与当前报告年度"):
        _upload(report, 1, _survey_with_year("明年"), alice)
