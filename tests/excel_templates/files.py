"""Filled templates for the Excel tests: our own generated template, filled the way a
hospital clerk fills it (labels from the drop-downs, numbers, dates)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from excel_templates.layout import CASE_SPECS, SURVEY_SHEET, SURVEY_VALUE_ROW, survey_columns
from excel_templates.templates import template_bytes

IVT_ROW = {
    "report_year": "{year}年",
    "nihss_pre": 10,
    "nihss_discharge": 4,
    "mrs_discharge": 2,
    "thrombolytic_drug": "阿替普酶",
}
EVT_ROW = {
    "report_year": "{year}年",
    "evt_mode": "桥接",
    "nihss_pre": 16,
    "nihss_discharge": 8,
    "mrs_discharge": 3,
}
DEFAULT_ROWS = {3: IVT_ROW, 2: EVT_ROW}

# A 总表 that passes every rule (the required items).
SURVEY_VALUES = {
    "neuro_discharges_total": 1000, "ci_discharges": 400, "ci_with_htn": 200, "ci_deaths": 10,
    "tia_discharges": 50, "tia_with_htn": 20, "ich_discharges": 100, "ich_with_htn": 60,
    "ich_deaths": 8, "sah_discharges": 20, "sah_with_htn": 5, "sah_deaths": 2,
    "ivt_total": 2, "ivt_nihss_improved": 1, "ivt_mrs_0_2": 1, "ivt_alteplase": 2,
    "ivt_urokinase": 0, "evt_total": 1, "evt_direct": 0, "evt_bridging": 1,
    "evt_nihss_improved": 1, "evt_mrs_0_2": 0,
}  # fmt: skip


def fill_cases(content: bytes, attachment: int, data_year: int, rows, start_row=None) -> bytes:
    """``rows``: dicts of field name → cell value, over the attachment's default row."""
    spec = CASE_SPECS[attachment]
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[spec.sheet_name]
    letters = {c.name: c.letter for c in spec.columns}
    row_number = start_row or spec.first_data_row
    for number, row in enumerate(rows, start=1):
        values = {**DEFAULT_ROWS[attachment], "seq_no": number, **row}
        for name, value in values.items():
            if isinstance(value, str):
                value = value.format(year=data_year)
            sheet[f"{letters[name]}{row_number}"] = value
        row_number += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled_case_template(attachment: int, data_year: int, rows, basic_info=None) -> bytes:
    return fill_cases(template_bytes(attachment, data_year, basic_info), attachment, data_year,
                      rows)  # fmt: skip


def many_cases(attachment: int, data_year: int, count: int) -> bytes:
    """Our template holding ``count`` valid cases (住院号 ZY1, ZY2 …), for the size limits:
    one case filled by openpyxl as ``fill_cases`` does, then its row repeated in the sheet's
    XML exactly as openpyxl wrote it, renumbered (50,000 rows in a second, not a minute)."""
    import re

    first = CASE_SPECS[attachment].first_data_row
    content = filled_case_template(attachment, data_year, [{"admission_no": "ZY@"}])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        member, sheet = next(
            (name, xml)
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and "ZY@" in (xml := archive.read(name).decode())
        )
    row = re.search(rf'<row r="{first}".*?</row>', sheet).group()
    pattern = row.replace("{", "{{").replace("}", "}}")
    pattern = re.sub(rf'( r="[A-Z]*){first}"', r'\1{row}"', pattern)
    pattern = pattern.replace("<v>1</v>", "<v>{number}</v>", 1).replace("ZY@", "ZY{number}")
    rows = "".join(pattern.format(row=first + n - 1, number=n) for n in range(1, count + 1))
    sheet = sheet.replace(row, rows)
    last = first + count - 1
    sheet = re.sub(r'(<dimension ref="[A-Z]+[0-9]+:[A-Z]+)[0-9]+"', rf'\g<1>{last}"', sheet)
    return replace_members(content, {member: sheet.encode()})


def fill_survey(content: bytes, values: dict) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[SURVEY_SHEET]
    letters = {c.item.code: c.letter for c in survey_columns()}
    for code, value in values.items():
        sheet[f"{letters[code]}{SURVEY_VALUE_ROW}"] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled_survey_template(data_year: int, values=None, basic_info=None) -> bytes:
    return fill_survey(template_bytes(1, data_year, basic_info), values or SURVEY_VALUES)


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def replace_members(content: bytes, changes: dict[str, bytes]) -> bytes:
    """The workbook ``content`` with some zip members replaced or added."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members.update(changes)
    return zip_bytes(members)


def lying_bomb(content: bytes, member: str, payload_bytes: int, declared: int = 1024) -> bytes:
    """``content`` with ``member`` replaced by a deflate stream that inflates to
    ``payload_bytes`` (the member's XML start, then blanks) while both its local and its
    central header claim ``declared`` bytes — the "lying" zip bomb."""
    import struct
    import zlib

    head = b'<?xml version="1.0"?><worksheet><sheetData>'
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(head)]
    block = b" " * (1024 * 1024)
    for _ in range((payload_bytes - len(head)) // len(block)):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    stream = b"".join(parts)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name == member:  # a stored placeholder of the stream's size, patched below
                archive.writestr(name, b"\x00" * len(stream), compress_type=zipfile.ZIP_STORED)
            else:
                archive.writestr(name, data)
    patched = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(patched))) as archive:
        info = archive.getinfo(member)
        start_dir = archive.start_dir
    offset = info.header_offset
    name_length, extra_length = struct.unpack("<HH", patched[offset + 26 : offset + 30])
    data_at = offset + 30 + name_length + extra_length
    patched[data_at : data_at + len(stream)] = stream
    # Local header: method deflate (8), sizes (compressed true, uncompressed declared).
    struct.pack_into("<H", patched, offset + 8, 8)
    struct.pack_into("<II", patched, offset + 18, len(stream), declared)
    at = start_dir
    while patched[at : at + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", patched[at + 28 : at + 34])
        if patched[at + 46 : at + 46 + n].decode() == member:
            struct.pack_into("<H", patched, at + 10, 8)
            struct.pack_into("<II", patched, at + 20, len(stream), declared)
        at += 46 + n + m + k
    return bytes(patched)


def xls_with_value_at(row: int, column: int, value="x") -> bytes:
    """An old .xls (xlwt) with 医院全称 in A1 and ``value`` at the 0-based ``row``/``column``."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("附件3")
    sheet.write(0, 0, "医院全称")
    sheet.write(row, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
