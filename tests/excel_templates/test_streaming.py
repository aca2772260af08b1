"""The streamed writers (``excel_templates.streaming``, issue 21 item 3): what they write, the
one rule that keeps every text inert, and that other programs open the .xlsx."""

import codecs
import csv
import datetime
import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from excel_templates import streaming
from excel_templates.writing import FORMULA_TRIGGERS, inert_text
from tests.inert import assert_no_live_formula

HEADER = ["文本", "整数", "小数", "时间", "日期", "空", "是否", "本地时间"]
ROW = [
    "北京协和医院",
    400,
    Decimal("70.5"),
    datetime.datetime(2025, 3, 1, 0, 30, tzinfo=datetime.UTC),  # 08:30 in Beijing
    datetime.date(2025, 3, 2),
    None,
    True,
    streaming.LocalMinute("2025-03-01 08:31"),
]
HOSTILE = ['=HYPERLINK("x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1", "\r=1"]


def xlsx(rows, header=HEADER, **kwargs):
    data = b"".join(streaming.xlsx_chunks(header, rows, sheet_title="总表", **kwargs))
    return load_workbook(io.BytesIO(data)), data


def csv_lines(rows, header=HEADER):
    data = b"".join(streaming.csv_chunks(header, rows))
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_xlsx_values_keep_their_types():
    workbook, _data = xlsx([ROW])

    sheet = workbook.active
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.b for c in sheet[1])
    values = [c.value for c in sheet[2]]
    assert values[:3] == ["北京协和医院", 400, 70.5]
    assert values[3] == datetime.datetime(2025, 3, 1, 8, 30)
    assert values[4] == datetime.datetime(2025, 3, 2)  # a date cell, read back by openpyxl
    assert values[5:7] == [None, "是"]
    assert values[7] == datetime.datetime(2025, 3, 1, 8, 31)
    assert sheet["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.freeze_panes == "A2"


def test_csv_values():
    assert csv_lines([ROW])[1] == [
        "北京协和医院", "400", "70.5", "2025-03-01 08:30", "2025-03-02", "", "是",
        "2025-03-01 08:31",
    ]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_text_like_a_formula_is_inert_in_both(text):
    workbook, _data = xlsx([[text]], header=["x"])
    cell = workbook.active["A2"]
    assert assert_no_live_formula(workbook) == 2
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    assert cell.value == text.replace("\r", "\n")  # XML keeps a carriage return as a line feed

    assert csv_lines([[text]], header=["x"])[1] == ["'" + text]


def test_inert_text_is_the_csv_form_of_the_one_rule():
    assert inert_text("A=B") == "A=B"
    assert inert_text("医院\x00\x07名") == "医院名"
    assert inert_text("\x00=1") == "'=1"
    for trigger in FORMULA_TRIGGERS:
        assert inert_text(trigger + "x").startswith("'")


def test_xml_and_excels_own_escapes_are_kept_literal():
    workbook, data = xlsx([["a&b<c>", "_x0041_", " 前后空格 "]], header=["a", "b", "c"])

    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "a&amp;b&lt;c&gt;" in sheet_xml
    assert "_x005F_x0041_" in sheet_xml  # Excel reads "_x0041_" as "A" unless escaped
    assert workbook.active["C2"].value == " 前后空格 "


def test_a_sheet_stops_at_excels_row_limit_and_the_rows_go_on_in_the_next(monkeypatch):
    monkeypatch.setattr(streaming, "EXCEL_MAX_ROWS", 3)

    workbook, _data = xlsx([[n] for n in range(5)], header=["n"])

    assert [sheet.title for sheet in workbook.worksheets] == ["总表", "总表 (2)", "总表 (3)"]
    assert [[c.value for c in sheet["A"]] for sheet in workbook.worksheets] == [
        ["n", 0, 1],
        ["n", 2, 3],
        ["n", 4],
    ]


def test_the_stream_starts_before_the_rows_are_read():
    read = []

    def rows():
        for n in range(3):
            read.append(n)
            yield [n]

    for chunks in (
        streaming.xlsx_chunks(["n"], rows(), sheet_title="x"),
        streaming.csv_chunks(["n"], rows()),
    ):
        read.clear()
        first = next(chunks)
        assert first and read == []
        assert b"".join(chunks)
        assert read == [0, 1, 2]


def test_the_zip_is_written_without_seeking():
    _workbook, data = xlsx([ROW])
    archive = zipfile.ZipFile(io.BytesIO(data))

    assert archive.testzip() is None
    # Parts whose size was unknown when they began carry a data descriptor (flag bit 3).
    assert all(info.flag_bits & 0x08 for info in archive.infolist())
    assert archive.namelist()[-1] == "[Content_Types].xml"


def test_libreoffice_opens_the_streamed_workbook(tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (CI installs it)")
    _workbook, data = xlsx([ROW, [HOSTILE[0], 1]])
    source = tmp_path / "in" / "export.xlsx"
    source.parent.mkdir()
    source.write_bytes(data)

    subprocess.run(
        [office, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
         str(tmp_path / "out"), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip

    lines = (tmp_path / "out" / "export.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:2] == ["文本", "整数"]
    assert lines[1].startswith("北京协和医院,400,70.5,2025-03-01 08:30")
    assert lines[2].startswith('"=HYPERLINK(""x"")",1')  # text, not a formula's result
