"""一键下载: the three templates, generated from the declarations (the 总表 edition and the
case specs), never kept by hand; pre-filled with the hospital's 基本信息.

Each workbook has its data sheet (title row, header block, column headers, drop-down lists
and range checks with the 2018 Chinese messages, the header protected, the data cells
open), a 填写说明 sheet written from the same declarations, and the template's id, version
and data year in a hidden sheet and in the workbook's custom properties.
"""

from __future__ import annotations

import io
import zipfile

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from casesets import validators as v
from casesets.specs import CaseSpec
from casesets.specs.base import DV_LIST, DV_LIST_PROMPT
from surveys.attachment4 import region_parts
from surveys.editions import CURRENT_EDITION
from surveys.editions.base import YES_NO

from .layout import (
    CASE_SPECS,
    FIRST_ITEM_COLUMN,
    INSTRUCTIONS_SHEET,
    MAX_CASE_ROWS,
    META_SHEET,
    PROP_ID,
    PROP_VERSION,
    PROP_YEAR,
    SURVEY,
    SURVEY_IDENTITY,
    SURVEY_SHEET,
    SURVEY_TITLE,
    SURVEY_VALUE_ROW,
    TEMPLATE_IDS,
    file_name,
    survey_columns,
    template_version,
)
from .writing import inert

YES, NO = "是", "否"
MULTI_SEPARATOR = "、"

_THIN = Side(style="thin", color="FF808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
OPTIONAL_FILL = PatternFill("solid", fgColor="FFF2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)

MANUAL_RULES = (
    _("必须在线下载最新模板才可以成功导入数据。"),
    _("如果附件2和附件3是0例，就不需要导入了。"),
    _("同一个住院号只允许导入一次，重复的可人工录入。"),
)


def _hospital(basic_info) -> dict:
    if basic_info is None:
        return {"name": "", "director": "", "mobile": "", "email": "", "grade": "",
                "category": "", "region": ("", "", "")}  # fmt: skip
    return {
        "name": basic_info.hospital_name,
        "director": basic_info.director_name,
        "mobile": basic_info.director_mobile,
        "email": basic_info.director_email,
        "grade": basic_info.get_grade_display(),
        "category": basic_info.get_category_display(),
        "region": region_parts(basic_info),
    }


def _quoted_list(labels) -> str:
    # An inline list (Excel allows 255 characters; every list here is far shorter).
    return '"' + ",".join(str(label).replace(",", "，") for label in labels) + '"'


def _list_validation(labels, error=DV_LIST, prompt=DV_LIST_PROMPT) -> DataValidation:
    validation = DataValidation(type="list", formula1=_quoted_list(labels), allow_blank=True)
    validation.showErrorMessage = True
    validation.errorTitle = _("输入错误")
    validation.error = str(error)
    if prompt:
        validation.showInputMessage = True
        validation.prompt = str(prompt)
    return validation


def _number_validation(kind, minimum, maximum, error) -> DataValidation:
    number_type = "whole" if kind == "whole" else "decimal"
    if maximum is None:
        validation = DataValidation(
            type=number_type, operator="greaterThanOrEqual", formula1=str(minimum or 0)
        )
    else:
        validation = DataValidation(
            type=number_type, operator="between", formula1=str(minimum or 0),
            formula2=str(maximum),
        )  # fmt: skip
    validation.allow_blank = True
    validation.showErrorMessage = True
    validation.errorTitle = _("输入错误")
    validation.error = str(error)
    return validation


def _range_message(column) -> str:
    if column.dv_error:
        return str(column.dv_error)
    if column.kind == v.INTEGER:
        return _("请输入%(min)s-%(max)s范围内的整数！") % {
            "min": column.minimum,
            "max": column.maximum,
        }
    return _("请输入%(min)s-%(max)s范围内的数值！") % {"min": column.minimum, "max": column.maximum}


def choice_labels(column) -> list[str]:
    return [str(label) for _code, label in column.choices]


def _mark(workbook: Workbook, attachment: int, data_year: int) -> None:
    """The template's id, version and data year: a hidden sheet and custom properties."""
    meta = workbook.create_sheet(META_SHEET)
    rows = (
        ("template_id", TEMPLATE_IDS[attachment]),
        ("version", template_version(attachment)),
        ("data_year", str(data_year)),
    )
    for row in rows:
        meta.append(row)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    for name, value in (
        (PROP_ID, TEMPLATE_IDS[attachment]),
        (PROP_VERSION, template_version(attachment)),
        (PROP_YEAR, str(data_year)),
    ):
        workbook.custom_doc_props.append(StringProperty(name=name, value=value))


def _protect(sheet) -> None:
    """Header cells locked; rows may still be inserted and deleted, columns widened."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.insertRows = False
    protection.deleteRows = False
    protection.sort = False
    protection.autoFilter = False


def _instructions(workbook: Workbook, title: str, rows: list[tuple]) -> None:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    sheet.append([title])
    sheet["A1"].font = TITLE_FONT
    sheet.append([])
    for number, rule in enumerate(MANUAL_RULES, start=1):
        sheet.append([f"{number}. {rule}"])
    sheet.append([_("4. 不要修改、删除或移动表头和本模板的隐藏信息；只在白色单元格中填写。")])
    sheet.append(
        [
            _(
                "5. 上传后系统逐格校验：有任何错误时不会导入任何数据，"
                "可下载标出错误单元格的文件修改后重新上传。"
            )
        ]
    )
    sheet.append([])
    sheet.append([_("列"), _("项目"), _("必填"), _("填写要求")])
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
    for row in rows:
        sheet.append([str(value) for value in row])
        for cell in sheet[sheet.max_row]:
            inert(cell, cell.value)
            cell.alignment = LEFT
            cell.border = BORDER
    for letter, width in (("A", 8), ("B", 36), ("C", 8), ("D", 80)):
        sheet.column_dimensions[letter].width = width
    sheet.protection.sheet = True


def _column_requirement(column) -> str:
    parts = []
    kind = column.kind
    if kind == v.CHOICE:
        parts.append(_("在下拉选项中选择：%(list)s") % {"list": "、".join(choice_labels(column))})
    elif kind == v.MULTI:
        parts.append(
            _("可多选，用“%(sep)s”分隔：%(list)s")
            % {"sep": MULTI_SEPARATOR, "list": "、".join(choice_labels(column))}
        )
    elif kind == v.BOOLEAN:
        parts.append(_("选择“是”或“否”"))
    elif kind == v.DATETIME:
        parts.append(_("年-月-日 时:分，例如 2025-03-01 08:30"))
    elif kind == v.DATE:
        parts.append(_("年-月-日，例如 2025-03-08"))
    elif kind in (v.INTEGER, v.DECIMAL) and column.maximum is not None:
        parts.append(
            _("%(min)s–%(max)s%(unit)s")
            % {"min": column.minimum, "max": column.maximum, "unit": column.unit}
        )
    if column.name == "admission_no":
        parts.append(str(column.help_text))
    elif column.condition:
        parts.append(str(column.condition))
    elif column.help_text and kind not in (v.INTEGER, v.DECIMAL):
        parts.append(str(column.help_text))
    return "；".join(p for p in parts if p)


# 附件2 / 附件3 -----------------------------------------------------------------------------


def case_workbook(spec: CaseSpec, attachment: int, data_year: int, basic_info) -> Workbook:
    hospital = _hospital(basic_info)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.sheet_name
    columns = spec.columns
    last = columns[-1].letter
    header_row, first_row = spec.header_row, spec.first_data_row
    last_row = first_row + MAX_CASE_ROWS - 1

    sheet["A1"] = str(spec.title)
    sheet["A1"].font = TITLE_FONT
    sheet["A1"].alignment = CENTER
    sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 30
    values = (hospital["name"], hospital["director"], hospital["mobile"])
    for row, (label, value) in enumerate(zip(spec.hospital_labels, values, strict=True), start=2):
        sheet[f"A{row}"] = str(label)
        sheet[f"A{row}"].font = HEADER_FONT
        sheet.merge_cells(f"A{row}:B{row}")
        inert(sheet[f"C{row}"], value)
        sheet.merge_cells(f"C{row}:{last}{row}")
        for cell in sheet[row]:
            cell.border = BORDER
            cell.alignment = LEFT

    validations = []
    for column in columns:
        cell = sheet[f"{column.letter}{header_row}"]
        cell.value = str(column.excel_header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL if column.core or not column.is_model_field else OPTIONAL_FILL
        cell.alignment = CENTER
        cell.border = BORDER
        dimension = sheet.column_dimensions[column.letter]
        dimension.width = column.width or 14
        dimension.protection = UNLOCKED
        if column.kind == v.TEXT or column.kind == v.SEQUENCE:
            dimension.number_format = "@"
        elif column.kind == v.DATETIME:
            dimension.number_format = "yyyy-mm-dd hh:mm"
        elif column.kind == v.DATE:
            dimension.number_format = "yyyy-mm-dd"
        validation = _case_validation(column, data_year)
        if validation is not None:
            validation.add(f"{column.letter}{first_row}:{column.letter}{last_row}")
            validations.append(validation)
    sheet.row_dimensions[header_row].height = 45
    for validation in validations:
        sheet.add_data_validation(validation)
    sheet.freeze_panes = f"A{first_row}"
    _protect(sheet)

    rows = []
    for column in columns:
        if column.kind == v.SEQUENCE:
            rows.append((column.letter, column.excel_header, _("否"), _("可不填，导入时忽略")))
            continue
        required = _("是") if column.required else (_("条件") if column.condition else _("否"))
        rows.append((column.letter, column.excel_header, required, _column_requirement(column)))
    _instructions(workbook, str(spec.title), rows)
    _mark(workbook, attachment, data_year)
    workbook.active = 0
    return workbook


def _case_validation(column, data_year: int) -> DataValidation | None:
    kind = column.kind
    if kind == v.YEAR:
        return _list_validation([f"{data_year}年"], column.dv_error or DV_LIST, column.dv_prompt)
    if kind == v.CHOICE:
        return _list_validation(choice_labels(column), column.dv_error or DV_LIST,
                                column.dv_prompt)  # fmt: skip
    if kind == v.BOOLEAN:
        return _list_validation([YES, NO], column.dv_error or DV_LIST, "")
    if kind in (v.INTEGER, v.DECIMAL) and column.maximum is not None:
        number = "whole" if kind == v.INTEGER else "decimal"
        return _number_validation(number, column.minimum, column.maximum, _range_message(column))
    if kind == v.MULTI:
        validation = DataValidation(type="textLength", operator="lessThanOrEqual",
                                    formula1="255", allow_blank=True)  # fmt: skip
        validation.showInputMessage = True
        validation.prompt = _("可多选，用“、”分隔：") + "、".join(choice_labels(column))
        validation.prompt = validation.prompt[:255]
        return validation
    if kind in (v.DATETIME, v.DATE):
        validation = DataValidation(type="custom", formula1="TRUE", allow_blank=True)
        validation.showInputMessage = True
        validation.prompt = _column_requirement(column)
        return validation
    return None


# 附件1 ----------------------------------------------------------------------------------


def survey_workbook(data_year: int, basic_info, values=None) -> Workbook:
    """附件1 in the 2018 one-row layout; row 4 holds the report's current 总表 values
    (``values``), so a hospital may download, complete and upload again."""
    edition = CURRENT_EDITION
    hospital = _hospital(basic_info)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SURVEY_SHEET
    columns = survey_columns(edition)
    last = columns[-1].letter
    row = SURVEY_VALUE_ROW

    sheet["A1"] = str(SURVEY_TITLE)
    sheet["A1"].font = TITLE_FONT
    sheet["A1"].alignment = CENTER
    sheet.merge_cells(f"A1:{last}1")
    sheet.row_dimensions[1].height = 30
    province, city, county = hospital["region"]
    identity = (province, city, county, hospital["name"], hospital["grade"],
                hospital["category"], hospital["director"], hospital["mobile"],
                hospital["email"], f"{data_year}年")  # fmt: skip
    for (letter, label), value in zip(SURVEY_IDENTITY, identity, strict=True):
        sheet[f"{letter}2"] = str(label)
        sheet.merge_cells(f"{letter}2:{letter}3")
        inert(sheet[f"{letter}{row}"], value)
        sheet.column_dimensions[letter].width = 14
    sheet.column_dimensions["D"].width = 28
    sheet.column_dimensions["H"].width = 16

    bands: list[tuple[str, str, str]] = []  # (band, first letter, last letter)
    validations = {}
    for column in columns:
        item = column.item
        label = str(item.label) + ("" if item.required else _("（选填）"))
        if column.band:
            sheet[f"{column.letter}3"] = label
            if bands and bands[-1][0] == column.band:
                bands[-1] = (column.band, bands[-1][1], column.letter)
            else:
                bands.append((column.band, column.letter, column.letter))
        else:
            sheet[f"{column.letter}2"] = label
            sheet.merge_cells(f"{column.letter}2:{column.letter}3")
        value_cell = sheet[f"{column.letter}{row}"]
        value_cell.protection = UNLOCKED
        value = (values or {}).get(item.code)
        if isinstance(value, bool):
            value = YES if value else NO
        inert(value_cell, value)
        sheet.column_dimensions[column.letter].width = 12 if column.band else 16
        key, validation = _survey_validation(item)
        validations.setdefault(key, validation).add(value_cell.coordinate)
    for band, first, last_letter in bands:
        sheet[f"{first}2"] = band
        if first != last_letter:
            sheet.merge_cells(f"{first}2:{last_letter}2")
    for header_row in (2, 3):
        sheet.row_dimensions[header_row].height = 60
        for cell in sheet[header_row]:
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = CENTER
            cell.border = BORDER
    for cell in sheet[row]:
        cell.border = BORDER
        cell.alignment = CENTER
    for validation in validations.values():
        sheet.add_data_validation(validation)
    sheet.freeze_panes = f"{FIRST_ITEM_COLUMN}{row}"
    _protect(sheet)

    rows = []
    for column in columns:
        item = column.item
        name = edition.name_of(item.code)
        if item.kind == YES_NO:
            requirement = _("选择“是”或“否”")
        elif item.maximum is not None:
            requirement = _("%(min)s–%(max)s的整数（%(unit)s）") % {
                "min": item.minimum, "max": item.maximum, "unit": item.unit,
            }  # fmt: skip
        else:
            requirement = _("≥%(min)s的整数（%(unit)s）") % {"min": item.minimum, "unit": item.unit}
        if item.le:
            requirement += _("；不能大于%(total)s") % {"total": edition.name_of(item.le)}
        if item.help_text:
            requirement += "；" + str(item.help_text)
        if not item.required:
            requirement += _("；选填，未统计请留空（留空不等于0）")
        rows.append((column.letter, name, _("是") if item.required else _("否"), requirement))
    _instructions(workbook, str(SURVEY_TITLE), rows)
    _mark(workbook, SURVEY, data_year)
    workbook.active = 0
    return workbook


def _survey_validation(item) -> tuple[tuple, DataValidation]:
    if item.kind == YES_NO:
        return ("yes_no",), _list_validation([YES, NO], DV_LIST, "")
    if item.maximum is not None:
        message = _("请输入%(min)s-%(max)s范围内的整数！") % {
            "min": item.minimum,
            "max": item.maximum,
        }
    elif item.minimum == 1:
        message = _("请填写大于0的整数！")
    else:
        message = _("请填写≥0的整数！")
    key = ("int", item.minimum, item.maximum)
    return key, _number_validation("whole", item.minimum, item.maximum, message)


# Files ----------------------------------------------------------------------------------


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_bytes(attachment: int, data_year: int, basic_info, survey_values=None) -> bytes:
    if attachment == SURVEY:
        return workbook_bytes(survey_workbook(data_year, basic_info, survey_values))
    spec = CASE_SPECS[attachment]
    return workbook_bytes(case_workbook(spec, attachment, data_year, basic_info))


def templates_zip(data_year: int, basic_info, survey_values=None) -> bytes:
    """一键下载: the three templates of ``data_year`` in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for attachment in (SURVEY, 2, 3):
            content = template_bytes(attachment, data_year, basic_info, survey_values)
            archive.writestr(file_name(attachment, data_year), content)
    return buffer.getvalue()


def zip_name(data_year: int) -> str:
    return f"脑血管病登记模板_{data_year}年度.zip"
