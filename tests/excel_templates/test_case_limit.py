"""Issue 21 item 4: the import limit says what it is. A 附件2/附件3 file holds at most
``MAX_CASE_ROWS`` (20,000) cases; over it, the one message "每个文件最多20000条，请拆分为多个
文件上传" — from the hostile-file guard when the rows run on past the sheet bound (a 50,000-row
file never reaches the parser), from the parser when the cases themselves are counted. A lone
value cell far down the sheet is no "too many cases": it keeps the range message."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casesets.models import ImportBatch, ImportStatus, InterventionCase, ThrombolysisCase
from excel_templates import parsing, services
from excel_templates.archives import ArchiveRefused, scan_workbook
from excel_templates.layout import MAX_CASE_ROWS, too_many_cases
from excel_templates.reading import MAX_UNPACKED_BYTES, SHEET_LIMITS, UploadRefused
from surveys.reports import current_data_year
from tests.casesets.conftest import DATA_YEAR
from tests.permission_matrix import make_report

from .files import filled_case_template, many_cases, replace_members

MESSAGE = "每个文件最多20000条，请拆分为多个文件上传"
SHEET = "xl/worksheets/sheet1.xml"


def test_the_message_names_the_limit():
    assert MAX_CASE_ROWS == 20_000
    assert too_many_cases().startswith(MESSAGE)


@pytest.mark.parametrize("attachment, url", [(3, "excel:upload_thrombolysis"),
                                             (2, "excel:upload_intervention")])  # fmt: skip
def test_a_50000_row_file_is_told_to_split_and_nothing_is_imported(client, alice, attachment, url):
    make_report(alice.institution)
    client.force_login(alice)
    content = many_cases(attachment, current_data_year(), 50_000)

    response = client.post(reverse(url), {"file": SimpleUploadedFile("附件.xlsx", content)})

    page = response.content.decode()
    assert response.status_code == 400
    assert MESSAGE in page
    assert "工作表范围异常" not in page
    assert ImportBatch.objects.count() == 0
    assert ThrombolysisCase.objects.count() == InterventionCase.objects.count() == 0


def test_20000_cases_pass_the_checks(report, alice):
    content = many_cases(3, DATA_YEAR, MAX_CASE_ROWS)

    batch = services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", content), alice)

    assert (batch.status, batch.row_count, batch.error_count) == (
        ImportStatus.PREVIEWED, MAX_CASE_ROWS, 0,
    )  # fmt: skip


def test_one_case_more_is_refused_by_the_parser_with_the_same_message(report, alice):
    """20,001 cases end at row 20,006: inside the sheet bound, so the parser counts them."""
    content = many_cases(3, DATA_YEAR, MAX_CASE_ROWS + 1)

    with pytest.raises(UploadRefused, match=MESSAGE):
        services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", content), alice)

    assert ImportBatch.objects.count() == 0


def test_the_parser_counts_cases_not_errors(report, alice, monkeypatch):
    """Three cases with two errors each are three cases (the old count added errors)."""
    monkeypatch.setattr(parsing, "MAX_CASE_ROWS", 3)
    bad = {"nihss_pre": 99, "mrs_discharge": 9}
    three = filled_case_template(3, DATA_YEAR, [{"admission_no": f"E{n}", **bad} for n in range(3)])
    four = filled_case_template(3, DATA_YEAR, [{"admission_no": f"V{n}"} for n in range(4)])

    batch = services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", three), alice)

    assert batch.status == ImportStatus.REFUSED and batch.error_count >= 6
    with pytest.raises(UploadRefused, match=MESSAGE):
        services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", four), alice)


def _with_row(row: int, column: str = "C") -> bytes:
    content = filled_case_template(3, DATA_YEAR, [{"admission_no": "H1"}])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read(SHEET)
    cell = f'<row r="{row}"><c r="{column}{row}" t="inlineStr"><is><t>ZY9</t></is></c></row>'
    sheet = sheet.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
    return replace_members(content, {SHEET: sheet})


@pytest.mark.parametrize(
    "row, column, message",
    [
        (SHEET_LIMITS.rows + 1, "C", MESSAGE),  # the data runs on past the bound
        (SHEET_LIMITS.rows + SHEET_LIMITS.overflow_rows, "C", MESSAGE),
        (SHEET_LIMITS.rows + SHEET_LIMITS.overflow_rows + 1, "C", "工作表范围异常"),
        (1_048_576, "A", "工作表范围异常"),  # one stray (or hostile) cell at the very foot
        (1_048_576, "XFD", "工作表范围异常"),
        (SHEET_LIMITS.rows + 1, "XFD", "工作表范围异常"),  # beyond the columns too
    ],
)
def test_run_on_rows_are_too_many_cases_a_far_cell_is_out_of_range(row, column, message):
    with pytest.raises(ArchiveRefused, match=message):
        scan_workbook(_with_row(row, column), max_unpacked=MAX_UNPACKED_BYTES,
                      limits=SHEET_LIMITS)  # fmt: skip
