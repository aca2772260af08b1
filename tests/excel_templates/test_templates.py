"""一键下载 and the templates it holds: generated from the declarations, pre-filled with
基本信息, with drop-downs and range checks carrying the 2018 messages, protected headers, a
填写说明 sheet and the template id, version and data year."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from excel_templates.layout import (
    CASE_SPECS,
    META_SHEET,
    TEMPLATE_IDS,
    file_name,
    survey_columns,
    template_version,
)
from excel_templates.templates import template_bytes
from surveys.models import BasicInfo
from surveys.reports import current_data_year
from tests.permission_matrix import make_report


@pytest.fixture
def zip_response(client, alice):
    make_report(alice.institution)
    client.force_login(alice)
    return client.get(reverse("excel:download_templates"))


def _members(response):
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: load_workbook(io.BytesIO(archive.read(name))) for name in archive.namelist()}


def test_one_click_download_is_one_zip_named_with_the_data_year(zip_response):
    year = current_data_year()

    assert zip_response["Content-Type"] == "application/zip"
    assert f"{year}" in zip_response["Content-Disposition"]
    assert sorted(_members(zip_response)) == sorted(file_name(n, year) for n in (1, 2, 3))


def test_templates_are_prefilled_with_the_hospital(zip_response, alice):
    info = BasicInfo.objects.get(institution=alice.institution)
    books = _members(zip_response)
    year = current_data_year()

    ivt = books[file_name(3, year)]["Sheet3"]
    survey = books[file_name(1, year)]["Sheet2"]
    assert (ivt["C2"].value, ivt["C3"].value, ivt["C4"].value) == (
        info.hospital_name,
        info.director_name,
        info.director_mobile,
    )
    assert survey["D4"].value == info.hospital_name and survey["J4"].value == f"{year}年"
    # 附件1 carries the 总表 already saved (make_report saved the required items).
    assert survey["K4"].value is not None


def test_survey_template_prints_the_region_as_the_old_platform_did(zip_response):
    survey = _members(zip_response)[file_name(1, current_data_year())]["Sheet2"]

    # 省份 / 市 / 县（区） of a 北京 hospital: the 直辖市's middle level in the 市 cell.
    assert (survey["A4"].value, survey["B4"].value, survey["C4"].value) == (
        "北京市",
        "市辖区",
        "东城区",
    )


def test_case_template_has_headers_drop_downs_and_2018_messages():
    book = load_workbook(io.BytesIO(template_bytes(2, 2025, None)))
    sheet = book["Sheet2"]
    spec = CASE_SPECS[2]

    assert [sheet[f"{c.letter}5"].value for c in spec.columns] == [
        str(c.excel_header) for c in spec.columns
    ]
    by_range = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    assert by_range["D6"].type == "list" and "桥接" in by_range["D6"].formula1
    assert by_range["D6"].error == "请在下拉选项中选择，不要手动输入！"
    assert by_range["E6"].error == "请输入0-42范围内的整数！"
    assert by_range["G6"].error == "请输入0-6范围内的整数！"
    assert by_range["B6"].formula1 == '"2025年"'


def test_headers_are_protected_and_data_cells_open():
    sheet = load_workbook(io.BytesIO(template_bytes(3, 2025, None)))["Sheet3"]

    assert sheet.protection.sheet is True
    assert sheet["C5"].protection.locked is True
    assert sheet.column_dimensions["C"].protection.locked is False


def test_instructions_sheet_lists_every_column_and_the_manual_rules():
    book = load_workbook(io.BytesIO(template_bytes(3, 2025, None)))
    text = "\n".join(
        str(cell.value) for row in book["填写说明"].iter_rows() for cell in row if cell.value
    )

    assert "同一个住院号只允许导入一次，重复的可人工录入" in text
    assert all(str(c.excel_header) in text for c in CASE_SPECS[3].columns)
    assert "阿替普酶、替奈普酶、尿激酶" in text


def test_survey_template_follows_the_edition():
    sheet = load_workbook(io.BytesIO(template_bytes(1, 2025, None)))["Sheet2"]
    columns = survey_columns()

    assert (sheet["K2"].value, sheet["W2"].value, sheet["W3"].value) == (
        "神经科出院患者总例数",
        "急性缺血性卒中单纯静脉溶栓",
        "总例数",
    )
    assert sheet.max_column == columns[-1].index
    yes_no = [dv for dv in sheet.data_validations.dataValidation if dv.formula1 == '"是,否"']
    assert yes_no, "the 是/否 items of 资源 have a drop-down"


@pytest.mark.parametrize("attachment", [1, 2, 3])
def test_every_template_carries_its_id_version_and_year(attachment):
    content = template_bytes(attachment, 2025, None)
    meta = load_workbook(io.BytesIO(content))[META_SHEET]

    assert meta.sheet_state == "hidden"
    assert [meta["B1"].value, meta["B2"].value, meta["B3"].value] == [
        TEMPLATE_IDS[attachment],
        template_version(attachment),
        "2025",
    ]
    custom = zipfile.ZipFile(io.BytesIO(content)).read("docProps/custom.xml").decode()
    assert template_version(attachment) in custom


def test_template_version_changes_with_the_declaration(monkeypatch):
    from excel_templates import layout

    before = template_version(3)
    layout.template_version.cache_clear()
    monkeypatch.setattr(layout, "_case_declaration", lambda spec: ["another column"])
    try:
        assert layout.template_version(3) != before
    finally:
        layout.template_version.cache_clear()
