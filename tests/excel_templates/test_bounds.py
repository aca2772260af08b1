"""Issue 17 items 2 and 4: every archive is inflated in bounded chunks whatever its headers
claim (bytes inflated are measured, not time), and styled empty rows below the data are no
error while real data beyond the row limit still is."""

import io
import os
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casesets.models import ImportBatch, ThrombolysisCase
from excel_templates import archives, services
from excel_templates.archives import ArchiveRefused, SheetLimits, scan_workbook
from excel_templates.reading import (
    MAX_UNPACKED_BYTES,
    SHEET_LIMITS,
    UploadRefused,
    WorkbookError,
    read_sheets,
)
from tests.casesets.conftest import DATA_YEAR
from tests.permission_matrix import make_report

from .files import (
    filled_case_template,
    lying_bomb,
    replace_members,
    xls_with_value_at,
    zip_bytes,
)

SHEET = "xl/worksheets/sheet1.xml"
LIMITS = SheetLimits(rows=1000)


def _good(rows=1):
    return filled_case_template(
        3, DATA_YEAR, [{"admission_no": f"H{n}"} for n in range(1, rows + 1)]
    )


def _scan(data, max_unpacked=MAX_UNPACKED_BYTES, limits=SHEET_LIMITS):
    return scan_workbook(data, max_unpacked=max_unpacked, limits=limits)


# Item 2: bytes inflated are bounded by the bytes produced, not by the headers --------------


def test_a_lying_zip_bomb_is_refused_after_one_chunk():
    """300 MB of XML whose local and central headers both claim 1 KB."""
    bomb = lying_bomb(_good(), SHEET, 300 * 1024 * 1024)

    with pytest.raises(ArchiveRefused, match="大小与实际内容不符") as refused:
        _scan(bomb)

    assert refused.value.inflated <= 1024 * 1024 + 2 * archives.CHUNK


def test_a_lying_zip_bomb_is_refused_on_the_upload_page(client, alice, settings):
    make_report(alice.institution)
    client.force_login(alice)
    bomb = lying_bomb(_good(), SHEET, 50 * 1024 * 1024)

    response = client.post(
        reverse("excel:upload_thrombolysis"), {"file": SimpleUploadedFile("附件3.xlsx", bomb)}
    )

    assert response.status_code == 400
    assert "大小与实际内容不符" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_parts_that_honestly_add_up_past_the_limit_stop_at_the_limit():
    members = {f"xl/media/image{n}.bin": b"\x00" * (3 * 1024 * 1024) for n in range(20)}
    bloated = replace_members(_good(), members)

    with pytest.raises(ArchiveRefused, match="压缩炸弹") as refused:
        _scan(bloated, max_unpacked=10 * 1024 * 1024)

    assert refused.value.inflated <= 10 * 1024 * 1024 + archives.CHUNK


def test_a_part_that_declares_more_than_the_limit_is_refused_before_inflating():
    big = replace_members(_good(), {"xl/media/big.bin": b"\x00" * (12 * 1024 * 1024)})

    with pytest.raises(ArchiveRefused, match="压缩炸弹") as refused:
        _scan(big, max_unpacked=10 * 1024 * 1024)

    assert refused.value.inflated < 1024 * 1024


def test_overlapping_parts_are_refused():
    """Two central-directory entries over one deflate stream (the overlapping zip bomb)."""
    data = bytearray(zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        first = archive.getinfo("[Content_Types].xml")
        start_dir = archive.start_dir
    # Point the second entry's local header offset at the first one's.
    at = start_dir
    n, m, k = struct.unpack("<HHH", data[at + 28 : at + 34])
    at += 46 + n + m + k
    struct.pack_into("<I", data, at + 42, first.header_offset)

    with pytest.raises(ArchiveRefused):
        _scan(bytes(data))


def test_a_well_formed_5_mb_workbook_still_imports(report, alice):
    """5,000 cases and the picture that WPS and Excel save as the file's thumbnail."""
    content = _good(5000)
    thumbnail = os.urandom(5 * 1024 * 1024 - len(content))
    with_thumbnail = replace_members(content, {"docProps/thumbnail.jpeg": thumbnail})
    assert len(with_thumbnail) >= 5 * 1024 * 1024

    batch = services.upload(
        report, 3, SimpleUploadedFile("附件3.xlsx", with_thumbnail), alice
    )
    stored = services.confirm(batch, alice)

    assert stored == 5000 == ThrombolysisCase.objects.filter(report=report).count()


def test_legacy_files_are_inflated_in_bounded_chunks_too():
    bomb = lying_bomb(_good(), SHEET, 300 * 1024 * 1024)

    with pytest.raises(WorkbookError, match="大小与实际内容不符"):
        read_sheets(bomb)


# Item 4 and the sheet limits: value cells count, styled empty cells do not -----------------


def _with_rows(content: bytes, rows_xml: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read(SHEET)
    sheet = sheet.replace(b"</sheetData>", rows_xml.encode() + b"</sheetData>")
    return replace_members(content, {SHEET: sheet})


def _styled_blank_rows(first: int, last: int) -> str:
    """What LibreOffice and WPS write below data when whole columns are formatted."""
    return "".join(
        f'<row r="{r}" s="2" customFormat="true"><c r="A{r}" s="2"/><c r="Q{r}" s="2"/>'
        f'<c r="AMJ{r}" s="2"/></row>'
        for r in range(first, last + 1)
    )


def test_hundreds_of_thousands_of_styled_blank_rows_are_imported(report, alice):
    content = _with_rows(_good(3), _styled_blank_rows(20, 300_000))

    batch = services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", content), alice)

    assert services.confirm(batch, alice) == 3


def test_data_beyond_the_row_limit_is_still_refused(report, alice):
    """Issue 21 item 4: data running on past the rows is a file over 20,000 cases."""
    row = SHEET_LIMITS.rows + 1
    content = _with_rows(_good(3), f'<row r="{row}"><c r="C{row}" t="inlineStr"><is><t>ZY1'
                                   f"</t></is></c></row>")  # fmt: skip

    with pytest.raises(UploadRefused, match="每个文件最多20000条，请拆分为多个文件上传"):
        services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", content), alice)


@pytest.mark.parametrize(
    "cell, refused",
    [
        ('<c r="A1001"><v>1</v></c>', True),  # below the rows
        ('<c r="GS1"><v>1</v></c>', True),  # right of the columns
        ('<c r="A500"><v>1</v></c><c r="AO1"><v>1</v></c>', False),  # wide, not tall
        ('<c r="A1000"><v>1</v></c><c r="AO999"><v>1</v></c>', True),  # wide and tall
        ('<c r="XFD1048576" s="1"/>', False),  # styled, empty
        ('<c r="XFD1048576" s="1" t="n" />', False),
        ("<c><v>1</v></c>", True),  # placed by counting
        ('<c s="1" r="a5"><v>1</v></c>', True),
        ('<c r="A05"><v>1</v></c>', True),
        ('<x:c r="A2000"><x:v>1</x:v></x:c>', True),
    ],
)
def test_value_cells_are_bounded_wherever_they_are(cell, refused):
    limits = SheetLimits(rows=1000, columns=200, wide_columns=40, wide_rows=500)
    data = _with_rows(_good(), f'<row r="7">{cell}</row>')
    if refused:
        with pytest.raises(ArchiveRefused, match="工作表范围异常|单元格"):
            _scan(data, limits=limits)
    else:
        _scan(data, limits=limits)


def test_a_tall_cell_before_a_wide_one_is_seen_across_chunks(monkeypatch):
    monkeypatch.setattr(archives, "CHUNK", 4096)
    limits = SheetLimits(rows=1000, columns=200, wide_columns=40, wide_rows=500)
    filler = "".join(f'<row r="{r}"><c r="A{r}" s="1"/></row>' for r in range(8, 800))
    data = _with_rows(_good(), '<row r="600"><c r="A600"><v>1</v></c></row>' + filler
                      + '<row r="900"><c r="AZ900"><v>2</v></c></row>')  # fmt: skip

    with pytest.raises(ArchiveRefused, match="工作表范围异常"):
        _scan(data, limits=limits)


def test_an_xls_with_one_far_value_is_refused_before_it_is_read():
    """A 6 KB .xls with a value at IV65536 would cost calamine about a gigabyte."""
    with pytest.raises(WorkbookError, match="工作表范围异常"):
        read_sheets(xls_with_value_at(65535, 255))


def test_an_xls_within_the_limits_is_read():
    [(name, rows)] = read_sheets(xls_with_value_at(LIMITS.rows, 3, 1.5))

    assert (name, rows[0][0], rows[LIMITS.rows][3]) == ("附件3", "医院全称", 1.5)
