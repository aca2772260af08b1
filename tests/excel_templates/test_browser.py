"""Chromium: 一键下载 → unzip → fill with openpyxl (and once more after a LibreOffice round
trip) → 上传 → preview → 确认导入 → the cases and the 总表 appear; a file with errors → the
annotated workbook; an older template is refused."""

import datetime
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from casesets.models import ImportBatch, InterventionCase, ThrombolysisCase
from excel_templates.layout import file_name
from surveys.models import Report, ReportingWindow
from surveys.reports import current_data_year
from tests.accounts.test_verification_browser import signed_in_page
from tests.surveys.test_basic_info import make_basic_info

from .files import SURVEY_VALUES, fill_cases, fill_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = "/work/shared/reference/templates-2018/attachment3-thrombolysis-cases-2018.xlsx"


def _libreoffice_round_trip(path: Path, out_dir: Path) -> Path:
    """``path`` opened and saved again as .xlsx by LibreOffice (headless)."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    assert office, "LibreOffice is needed for the round trip (apt-get install libreoffice-calc)"
    out_dir.mkdir(exist_ok=True)
    subprocess.run(
        [office, f"-env:UserInstallation=file://{out_dir}/profile", "--headless",
         "--convert-to", "xlsx", "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out_dir / path.name


def _upload(page, live_server, button_id, path):
    page.goto(f"{live_server.url}/registry/")
    page.click(f"#{button_id}")
    page.set_input_files("input[type=file]", str(path))
    page.click("#start-upload")


def _upload_and_confirm(page, live_server, button_id, path, expect):
    _upload(page, live_server, button_id, path)
    assert expect in page.inner_text("main")
    if page.locator("#confirm-replace").count():
        page.check("#confirm-replace")
    if page.locator("#confirm-warnings").count():
        page.check("#confirm-warnings")
    page.click("#confirm-import")
    page.wait_for_load_state()


@pytest.fixture
def ready(alice):
    year = current_data_year()
    today = timezone.localdate()
    ReportingWindow.objects.create(
        data_year=year,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=30),
    )
    make_basic_info(alice)
    return year


def test_download_fill_upload_confirm_round_trip(
    live_server, browser, alice, ready, tmp_path, screenshot_dir
):
    year = ready
    page = signed_in_page(browser, live_server, alice)
    page.goto(f"{live_server.url}/registry/")
    page.screenshot(path=screenshot_dir / "excel-home.png", full_page=True)
    with page.expect_download() as download:
        page.click("#download-templates")
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert str(year) in archive.name
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(tmp_path)
        assert sorted(bundle.namelist()) == sorted(file_name(n, year) for n in (1, 2, 3))

    survey, evt, ivt = (tmp_path / file_name(n, year) for n in (1, 2, 3))
    sheet = load_workbook(ivt)["Sheet3"]
    assert sheet["C2"].value == alice.institution.basic_info.hospital_name
    ivt.write_bytes(fill_cases(ivt.read_bytes(), 3, year, [
        {"admission_no": "IVT-1"}, {"admission_no": "IVT-2", "thrombolytic_drug": "尿激酶"},
    ]))  # fmt: skip
    evt.write_bytes(fill_cases(evt.read_bytes(), 2, year, [{"admission_no": "EVT-1"}]))
    survey.write_bytes(fill_survey(survey.read_bytes(), SURVEY_VALUES))

    _upload_and_confirm(page, live_server, "upload-3", ivt, "将导入2条")
    page.screenshot(path=screenshot_dir / "excel-ivt-imported.png", full_page=True)
    assert "IVT-2" in page.inner_text("main")
    _upload_and_confirm(page, live_server, "upload-2", evt, "将导入1条")
    assert "EVT-1" in page.inner_text("main")
    _upload_and_confirm(page, live_server, "upload-1", survey, "将导入总表")
    report = Report.objects.get(institution=alice.institution, data_year=year)
    assert report.values["ivt_total"] == 2 and report.values["evt_bridging"] == 1

    # Once more, each file filled and then saved by LibreOffice.
    lo_ivt = tmp_path / "lo-in" / ivt.name
    lo_ivt.parent.mkdir()
    blank = load_workbook(io.BytesIO(zipfile.ZipFile(archive).read(ivt.name)))
    buffer = io.BytesIO()
    blank.save(buffer)
    lo_ivt.write_bytes(fill_cases(buffer.getvalue(), 3, year, [
        {"admission_no": "LO-1", "onset_at": datetime.datetime(year, 5, 1, 8, 0),
         "arrival_at": datetime.datetime(year, 5, 1, 9, 0),
         "needle_at": datetime.datetime(year, 5, 1, 9, 30),
         "discharge_date": datetime.date(year, 5, 9)},
    ]))  # fmt: skip
    lo_survey = tmp_path / "lo-in" / survey.name
    lo_survey.write_bytes(fill_survey(survey.read_bytes(), {**SURVEY_VALUES, "ivt_total": 3,
                                                            "ivt_alteplase": 2,
                                                            "ivt_urokinase": 1}))  # fmt: skip
    saved_ivt = _libreoffice_round_trip(lo_ivt, tmp_path / "lo-out")
    saved_survey = _libreoffice_round_trip(lo_survey, tmp_path / "lo-out")
    assert saved_ivt.read_bytes() != lo_ivt.read_bytes()

    _upload_and_confirm(page, live_server, "upload-3", saved_ivt, "将导入1条")
    _upload_and_confirm(page, live_server, "upload-1", saved_survey, "项将被文件中的数值替换")
    page.screenshot(path=screenshot_dir / "excel-survey-imported.png", full_page=True)

    lo_case = ThrombolysisCase.objects.get(admission_no="LO-1")
    assert (lo_case.dnt_minutes, lo_case.discharge_date) == (30, datetime.date(year, 5, 9))
    assert ThrombolysisCase.objects.count() == 3 and InterventionCase.objects.count() == 1
    report.refresh_from_db()
    assert (report.values["ivt_total"], report.values["ivt_urokinase"]) == (3, 1)
    assert "3" in page.inner_text("main")
    assert ImportBatch.objects.filter(status="imported").count() == 5


def test_file_with_errors_gives_the_annotated_workbook(
    live_server, browser, alice, ready, tmp_path, screenshot_dir
):
    from excel_templates.templates import template_bytes

    year = ready
    path = tmp_path / "附件3.xlsx"
    path.write_bytes(fill_cases(template_bytes(3, year, None), 3, year, [
        {"admission_no": "E-1", "nihss_pre": 60},
        {"admission_no": "E-2", "thrombolytic_drug": "链激酶"},
        {"admission_no": "E-2"},
    ]))  # fmt: skip
    page = signed_in_page(browser, live_server, alice)

    _upload(page, live_server, "upload-3", path)
    text = page.inner_text("main")
    page.screenshot(path=screenshot_dir / "excel-errors.png", full_page=True)
    with page.expect_download() as download:
        page.click("#download-annotated")
    annotated = tmp_path / "annotated.xlsx"
    download.value.save_as(annotated)

    assert "文件中有3处错误" in text and "请输入0-42范围内的整数" in text
    assert page.locator("#confirm-import").count() == 0
    sheet = load_workbook(annotated)["Sheet3"]
    marked = {c.coordinate for row in sheet.iter_rows(min_row=6, max_row=8) for c in row
              if c.fill.fgColor.rgb == "FFFF0000"}  # fmt: skip
    assert marked == {"D6", "G7", "C8"}
    assert "同一个住院号只允许导入一次" in sheet["C8"].comment.text
    assert ThrombolysisCase.objects.count() == 0


def test_older_template_is_refused(live_server, browser, alice, ready, screenshot_dir):
    page = signed_in_page(browser, live_server, alice)

    _upload(page, live_server, "upload-3", Path(REFERENCE))

    page.screenshot(path=screenshot_dir / "excel-old-template.png", full_page=True)
    assert "请下载最新模板" in page.inner_text("#upload-error")
    assert ImportBatch.objects.count() == 0
