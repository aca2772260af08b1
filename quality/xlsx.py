"""质控报告 as an .xlsx (issue 23 item 2): the numbers of the page's tables, one sheet per
attachment and a sheet 历年趋势. Numbers are numbers; a suppressed value is the text 样本不足
and a missing one is empty. Every cell goes through ``excel_templates.writing.inert``."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from excel_templates.writing import inert

from .benchmarks import Insufficient
from .report import QualityReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER = (
    "指标",
    "单位",
    "方向",
    "本院",
    "本院例数",
    "本院Q1",
    "本院Q3",
    "省内中位数",
    "省内Q1",
    "省内Q3",
    "省内医院数",
    "本院省内百分位",
    "全国中位数",
    "全国Q1",
    "全国Q3",
    "全国医院数",
    "本院全国百分位",
    "目标",
)
TREND_HEADER = (
    "指标",
    "单位",
    "数据年度",
    "数据来源",
    "本院",
    "本院例数",
    "全国中位数",
    "全国医院数",
)
WIDTHS = {1: 34, 2: 6, 3: 10}


def cell_value(value):
    """A number as it is, 样本不足 as text, nothing as an empty cell."""
    if isinstance(value, Insufficient):
        return str(value)
    return value


def percentile_cell(value):
    return round(value, 1) if isinstance(value, float) else cell_value(value)


def _group_cells(group):
    if group.hospitals == 0:
        return [None, None, None, 0]
    return [cell_value(group.median), cell_value(group.q1), cell_value(group.q3), group.hospitals]


def _write(sheet, values, *, bold=False):
    """Write ``values`` on the sheet's next row (``sheet.rows_written`` counts them, blank
    rows included)."""
    sheet.rows_written = row = getattr(sheet, "rows_written", 0) + 1
    for column, value in enumerate(values, start=1):
        cell = inert(sheet.cell(row=row, column=column), value)
        if bold:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _title(sheet, qc: QualityReport, heading: str):
    _write(sheet, [f"{qc.institution.name} {qc.year}年度质控报告 · {heading}"], bold=True)
    if qc.provisional:
        _write(sheet, [str(qc.provisional_label)])
    _write(
        sheet,
        [
            "省内/全国：计入对比的医院（已审核或已绑定的既往数据）的中位数及四分位数；"
            "不足5家医院或不足5例时为“样本不足”；百分位为本院在组内由低到高的位置（0–100）。"
        ],
    )
    _write(sheet, [])


def _widths(sheet, count):
    for column in range(1, count + 1):
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS.get(column, 12)


def workbook_bytes(qc: QualityReport) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for section in qc.sections:
        sheet = book.create_sheet(section.title[:31])
        _title(sheet, qc, section.title)
        _write(sheet, HEADER, bold=True)
        for line in section.lines:
            _write(
                sheet,
                [
                    line.indicator.name,
                    line.unit,
                    line.direction_label,
                    cell_value(line.value),
                    line.n,
                    None if isinstance(line.value, Insufficient) else line.own_q1,
                    None if isinstance(line.value, Insufficient) else line.own_q3,
                    *_group_cells(line.provincial),
                    percentile_cell(line.provincial_percentile),
                    *_group_cells(line.national),
                    percentile_cell(line.national_percentile),
                    None if line.target_text == "—" else line.target_text,
                ],
            )
        _widths(sheet, len(HEADER))
        sheet.freeze_panes = sheet.cell(row=sheet.rows_written - len(section.lines) + 1, column=2)

    sheet = book.create_sheet("历年趋势")
    _title(sheet, qc, "历年趋势")
    _write(sheet, TREND_HEADER, bold=True)
    for section in qc.sections:
        for line in section.lines:
            for point in line.trend:
                national = point.national
                _write(
                    sheet,
                    [
                        line.indicator.name,
                        line.unit,
                        point.year,
                        point.source_label,
                        cell_value(point.value),
                        point.n,
                        cell_value(national.median) if national.hospitals else None,
                        national.hospitals,
                    ],
                )
    _widths(sheet, len(TREND_HEADER))

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
