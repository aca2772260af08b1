"""上传附件1/2/3: preview, 确认导入 all or nothing, 住院号 rules (Decision 6, §7.3 item 13),
real-world cells, locked reports, concurrent imports, the annotated copy."""

import datetime
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import load_workbook

from casesets import validators as v
from casesets.models import ImportBatch, ImportStatus, InterventionCase, ThrombolysisCase
from casesets.specs import ATTACHMENT3
from excel_templates import services
from excel_templates.layout import template_version
from excel_templates.reading import UploadRefused
from surveys.models import ReportStatus
from surveys.reports import ReportError
from tests.casesets.conftest import DATA_YEAR

from .files import (
    SURVEY_VALUES,
    fill_cases,
    filled_case_template,
    filled_survey_template,
    replace_members,
)

REFERENCE = "/work/shared/reference/templates-2018/attachment3-thrombolysis-cases-2018.xlsx"


def _upload(report, attachment, content, user, name="附件.xlsx"):
    return services.upload(report, attachment, SimpleUploadedFile(name, content), user)


def _ivt(report, user, rows):
    return _upload(report, 3, filled_case_template(3, DATA_YEAR, rows), user)


def test_valid_file_is_previewed_and_nothing_stored_before_confirm(report, alice):
    batch = _ivt(report, alice, [{"admission_no": "A1"}, {"admission_no": "A2"}])

    preview = services.preview(batch)

    assert (preview.parsed.count, batch.status) == (2, ImportStatus.PREVIEWED)
    assert ThrombolysisCase.objects.count() == 0


def test_confirm_stores_every_case_with_its_intervals_and_one_audit_record(report, alice):
    rows = [
        {"admission_no": "A1", "onset_at": datetime.datetime(2025, 3, 1, 8, 0),
         "arrival_at": datetime.datetime(2025, 3, 1, 9, 0),
         "needle_at": datetime.datetime(2025, 3, 1, 9, 40)},
        {"admission_no": "A2", "thrombolytic_drug": "其他", "thrombolytic_drug_other": "某药"},
    ]  # fmt: skip
    batch = _ivt(report, alice, rows)

    stored = services.confirm(batch, alice)

    cases = {c.admission_no: c for c in ThrombolysisCase.objects.filter(report=report)}
    batch.refresh_from_db()
    assert stored == 2
    assert (cases["A1"].dnt_minutes, cases["A1"].created_by) == (40, alice)
    assert cases["A2"].thrombolytic_drug == "other"
    assert (batch.status, batch.row_count, batch.imported_by) == (ImportStatus.IMPORTED, 2, alice)
    assert len(batch.sha256) == 64 and batch.file.name.startswith("imports/")


def test_an_imported_case_holds_what_saving_it_by_hand_would_store(report, alice):
    """Every column the bulk insert writes (values of the file, lists, intervals,
    confirmed warnings, bookkeeping) as ``save()`` of the same case would set it."""
    row = {
        "admission_no": "E1", "onset_at": datetime.datetime(2025, 3, 1, 7, 0),
        "arrival_at": datetime.datetime(2025, 3, 1, 8, 0), "ivt_at_outside_hospital": "否",
        "needle_at": datetime.datetime(2025, 3, 1, 8, 30),
        "puncture_at": datetime.datetime(2025, 3, 1, 10, 0),  # DPT 120: a warning
        "reperfusion_at": datetime.datetime(2025, 3, 1, 11, 0),
        "occlusion_sites": "颈总动脉、大脑中动脉M1段", "evt_techniques": "支架取栓",
        "discharge_date": datetime.date(2025, 3, 9), "mrs_90d": 1,
    }  # fmt: skip
    batch = _upload(report, 2, filled_case_template(2, DATA_YEAR, [row]), alice)
    ((_row, values),) = services.preview(batch).parsed.rows

    services.confirm(batch, alice, warnings_confirmed=True)

    stored = InterventionCase.objects.get()
    by_hand = InterventionCase(report=report, created_by=alice, updated_by=alice, **values)
    by_hand.confirmed_warnings = ["dpt_target"]
    by_hand.save()
    fields = [f.attname for f in InterventionCase._meta.concrete_fields]
    # public_id: each case its own random one.
    bookkeeping = {"id", "public_id", "created_at", "updated_at"}
    assert {f: getattr(stored, f) for f in fields if f not in bookkeeping} == {
        f: getattr(by_hand, f) for f in fields if f not in bookkeeping
    }
    assert stored.occlusion_sites == ["cca", "mca_m1"]
    assert (stored.dpt_minutes, stored.opt_minutes) == (120, 180)
    assert stored.created_at <= stored.updated_at and stored.deleted_at is None


def test_one_bad_row_after_a_thousand_good_ones_stores_nothing(report, alice):
    rows = [{"admission_no": f"N{i}"} for i in range(1000)] + [
        {"admission_no": "BAD", "mrs_discharge": 9}
    ]
    batch = _ivt(report, alice, rows)

    preview = services.preview(batch)

    assert batch.status == ImportStatus.REFUSED
    assert [(e.row, e.letter) for e in preview.parsed.errors] == [(1006, "F")]
    with pytest.raises(ReportError):
        services.confirm(batch, alice)
    assert ThrombolysisCase.objects.count() == 0


def test_errors_are_the_forms_own_messages(report, alice):
    batch = _ivt(report, alice, [{"admission_no": "A1", "nihss_pre": 50}])

    (error,) = services.preview(batch).parsed.errors

    column = ATTACHMENT3.column("nihss_pre")
    assert (error.sheet, error.row, error.letter, error.value) == ("Sheet3", 6, "D", "50")
    assert error.reason == v.check_range(column, 50)


def test_admission_no_twice_in_one_file_is_refused(report, alice):
    batch = _ivt(report, alice, [{"admission_no": "Z9"}, {"admission_no": " Z9 "}])

    (error,) = services.preview(batch).parsed.errors

    assert (error.row, error.letter) == (7, "C")
    assert "同一个住院号只允许导入一次" in error.reason


def test_admission_no_already_in_the_report_is_refused(report, alice):
    services.confirm(_ivt(report, alice, [{"admission_no": "Z9"}]), alice)

    batch = _ivt(report, alice, [{"admission_no": "Z9"}])

    (error,) = services.preview(batch).parsed.errors
    assert "同一个住院号只允许导入一次" in error.reason
    assert ThrombolysisCase.objects.count() == 1


def test_admission_no_of_the_other_attachment_is_refused(report, alice):
    evt = _upload(report, 2, filled_case_template(2, DATA_YEAR, [{"admission_no": "B7"}]), alice)
    services.confirm(evt, alice)

    batch = _ivt(report, alice, [{"admission_no": "B7"}])

    (error,) = services.preview(batch).parsed.errors
    assert "已登记在本报告的血管内介入治疗个案中" in error.reason


def test_blank_rows_and_messy_cells_are_cleaned(report, alice):
    content = filled_case_template(3, DATA_YEAR, [
        {"admission_no": "  ＡＢ１２  ", "nihss_pre": "１２", "mrs_discharge": " 2 "},
        {"admission_no": 123456.0, "discharge_date": 45724, "thrombolytic_drug": " 尿激酶 "},
    ])  # fmt: skip
    # A blank row and a whitespace-only row before a third case: the third still imports.
    content = fill_cases(content, 3, DATA_YEAR, [{"admission_no": "C3", "seq_no": "   "}],
                         start_row=10)  # fmt: skip
    workbook = load_workbook(io.BytesIO(content))
    workbook["Sheet3"]["C9"] = "   "
    workbook["Sheet3"]["A8"] = 2  # a 序号 alone is no case
    buffer = io.BytesIO()
    workbook.save(buffer)

    services.confirm(_upload(report, 3, buffer.getvalue(), alice), alice)

    cases = {c.admission_no: c for c in ThrombolysisCase.objects.all()}
    assert set(cases) == {"AB12", "123456", "C3"}
    assert (cases["AB12"].nihss_pre, cases["AB12"].mrs_discharge) == (12, 2)
    assert cases["123456"].discharge_date == datetime.date(2025, 3, 8)
    assert cases["123456"].thrombolytic_drug == "urokinase"


def test_a_file_without_cases_needs_no_import(report, alice):
    batch = _ivt(report, alice, [])

    parsed = services.preview(batch).parsed
    assert parsed.count == 0
    # One rule (issue 20 item 5): what the preview offers is what confirm() allows.
    reason = services.confirm_refusal(batch, parsed)
    assert "0例无需导入" in reason
    with pytest.raises(ReportError) as refused:
        services.confirm(batch, alice)
    assert refused.value.message == reason


def test_warnings_must_be_confirmed_and_are_kept_with_the_case(report, alice):
    late = {"admission_no": "W1", "arrival_at": datetime.datetime(2025, 3, 1, 9, 0),
            "needle_at": datetime.datetime(2025, 3, 1, 10, 30)}  # DNT 90  # fmt: skip
    batch = _ivt(report, alice, [late])

    with pytest.raises(ReportError, match="已核对以上提示"):
        services.confirm(batch, alice)
    services.confirm(batch, alice, warnings_confirmed=True)

    assert ThrombolysisCase.objects.get().confirmed_warnings == ["dnt_target"]


def test_survey_import_fills_the_survey(report, alice):
    batch = _upload(report, 1, filled_survey_template(DATA_YEAR), alice)

    services.confirm(batch, alice)

    report.refresh_from_db()
    assert report.values["ivt_total"] == 2 and report.values["ivt_tenecteplase"] is None
    assert report.survey_version == 1


def test_survey_import_replaces_values_only_when_confirmed(report, alice):
    services.confirm(_upload(report, 1, filled_survey_template(DATA_YEAR), alice), alice)
    changed = {**SURVEY_VALUES, "ci_deaths": 11}
    batch = _upload(report, 1, filled_survey_template(DATA_YEAR, changed), alice)

    assert len(services.preview(batch).replaces) == 1
    with pytest.raises(ReportError, match="确认替换"):
        services.confirm(batch, alice)
    services.confirm(batch, alice, replace_confirmed=True)

    report.refresh_from_db()
    assert report.values["ci_deaths"] == 11


def test_survey_errors_name_the_item_and_cell(report, alice):
    values = {**SURVEY_VALUES, "ci_deaths": 500, "neuro_discharges_total": "很多"}
    batch = _upload(report, 1, filled_survey_template(DATA_YEAR, values), alice)

    errors = {e.letter: e.reason for e in services.preview(batch).parsed.errors}

    assert set(errors) == {"K", "N"}
    assert "请填写整数" in errors["K"] and "不能大于" in errors["N"]


def test_locked_report_refuses_upload_and_confirm(report, alice):
    batch = _ivt(report, alice, [{"admission_no": "L1"}])
    report.status = ReportStatus.SUBMITTED
    report.save()

    with pytest.raises(ReportError, match="已提交"):
        _ivt(report, alice, [{"admission_no": "L2"}])
    with pytest.raises(ReportError, match="已提交"):
        services.confirm(batch, alice)
    assert ThrombolysisCase.objects.count() == 0


def test_a_batch_is_imported_once(report, alice):
    batch = _ivt(report, alice, [{"admission_no": "O1"}])
    services.confirm(batch, alice)

    with pytest.raises(ReportError, match="已处理过"):
        services.confirm(batch, alice)
    assert ThrombolysisCase.objects.count() == 1


def test_a_kept_file_changed_after_upload_is_refused_and_nothing_stored(report, alice):
    # Preview and 确认导入 skip the hostile-file checks for the kept file because it is the
    # very file checked at upload: they must notice when it is not.
    batch = _ivt(report, alice, [{"admission_no": "K1"}])
    other = filled_case_template(3, DATA_YEAR, [{"admission_no": "K1"}, {"admission_no": "K2"}])
    with open(batch.file.path, "wb") as kept:
        kept.write(other)

    with pytest.raises(UploadRefused, match="与上传时不一致"):
        services.preview(batch)
    with pytest.raises(UploadRefused, match="与上传时不一致"):
        services.confirm(batch, alice)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert ThrombolysisCase.objects.count() == 0


@pytest.mark.parametrize(
    "change, message",
    [
        ("reference", "没有模板标识"),
        ("version", "模板版本已过期"),
        ("year", "该模板属于2024年度"),
        ("attachment", "附件2：介入个案的模板"),
    ],
)
def test_older_or_foreign_template_is_refused(report, alice, change, message):
    if change == "reference":
        content = open(REFERENCE, "rb").read()
    elif change == "year":
        content = filled_case_template(3, DATA_YEAR - 1, [{"admission_no": "Y1"}])
    elif change == "attachment":
        content = filled_case_template(2, DATA_YEAR, [{"admission_no": "Y1"}])
    else:
        content = filled_case_template(3, DATA_YEAR, [{"admission_no": "Y1"}])
        workbook = load_workbook(io.BytesIO(content))
        workbook["TemplateInfo"]["B2"] = "2018.0000000000"
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = replace_members(buffer.getvalue(), {
            "docProps/custom.xml": b"<Properties/>"
        })  # fmt: skip

    with pytest.raises(UploadRefused) as refused:
        _upload(report, 3, content, alice)

    assert message in refused.value.message and "请下载最新模板" in refused.value.message
    assert ImportBatch.objects.count() == 0


def test_template_mark_is_read_from_custom_properties_when_the_sheet_is_gone(report, alice):
    content = filled_case_template(3, DATA_YEAR, [{"admission_no": "P1"}])
    workbook = load_workbook(io.BytesIO(content))
    del workbook["TemplateInfo"]
    buffer = io.BytesIO()
    workbook.save(buffer)

    batch = _upload(report, 3, buffer.getvalue(), alice)

    assert batch.template_version == template_version(3)


def test_annotated_copy_marks_each_bad_cell_red_with_the_reason(report, alice):
    batch = _ivt(report, alice, [{"admission_no": "A1", "nihss_pre": 50},
                                 {"admission_no": "A1"}])  # fmt: skip

    workbook = load_workbook(io.BytesIO(services.annotated_copy(batch)))

    sheet = workbook["Sheet3"]
    assert sheet["D6"].fill.fgColor.rgb == "FFFF0000"
    assert "0-42" in sheet["D6"].comment.text
    assert "同一个住院号只允许导入一次" in sheet["C7"].comment.text
    assert sheet["C6"].comment is None


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_cannot_insert_the_same_admission_no(alice, open_window):
    from tests.casesets.conftest import make_report

    report = make_report(alice.institution, created_by=alice)
    first = _ivt(report, alice, [{"admission_no": "SAME"}])
    second = _ivt(report, alice, [{"admission_no": "SAME"}])
    outcomes = []
    barrier = threading.Barrier(2)

    def run(batch):
        try:
            barrier.wait()
            services.confirm(batch, alice)
            outcomes.append("stored")
        except ReportError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "stored"]
    assert ThrombolysisCase.objects.filter(admission_no="SAME").count() == 1
    assert InterventionCase.objects.count() == 0


@pytest.mark.parametrize("attachment", [1, 2, 3])
def test_a_file_saved_by_libreoffice_reads_the_same_as_the_original(tmp_path, attachment):
    import shutil
    import subprocess

    from excel_templates.parsing import parse_cases, parse_survey
    from excel_templates.reading import open_workbook

    office = shutil.which("libreoffice") or shutil.which("soffice")
    assert office, "LibreOffice is needed (apt-get install libreoffice-calc)"
    if attachment == 1:
        content = filled_survey_template(DATA_YEAR, {**SURVEY_VALUES, "dsa_24h": "是"})
    else:
        content = filled_case_template(attachment, DATA_YEAR, [
            {"admission_no": "R1", "onset_at": datetime.datetime(2025, 6, 1, 7, 5),
             "arrival_at": datetime.datetime(2025, 6, 1, 8, 0),
             "discharge_date": datetime.date(2025, 6, 9), "sich": "否"},
            {"admission_no": 20250002, "nihss_discharge": None, "mrs_discharge": 6},
        ])  # fmt: skip
    original = tmp_path / "in" / "file.xlsx"
    original.parent.mkdir()
    original.write_bytes(content)
    subprocess.run(
        [office, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(original)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    saved = (tmp_path / "out" / "file.xlsx").read_bytes()

    def read(data):
        workbook = open_workbook(data)
        if attachment == 1:
            return parse_survey(workbook, data_year=DATA_YEAR)
        return parse_cases(workbook, attachment, data_year=DATA_YEAR)

    before, after = read(content), read(saved)
    assert saved != content and before.errors == after.errors == []
    assert after.rows == before.rows and after.count == (1 if attachment == 1 else 2)


def test_merged_cells_of_the_header_block_do_not_matter(report, alice):
    content = filled_case_template(3, DATA_YEAR, [{"admission_no": "M1"}])
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Sheet3"]
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row in (2, 3, 4):
            sheet.unmerge_cells(str(merged))
    sheet.merge_cells("A2:Q4")  # one block over the labels and the hospital
    buffer = io.BytesIO()
    workbook.save(buffer)

    services.confirm(_upload(report, 3, buffer.getvalue(), alice), alice)

    assert ThrombolysisCase.objects.get().admission_no == "M1"


def test_the_import_is_audited_with_its_rows_in_the_same_transaction(report, alice):
    # Issue 20 item 6: confirm() writes the audit record itself, inside its transaction, so
    # an import is recorded exactly when its rows were stored — whoever calls it.
    from audit.models import AuditEvent

    empty = _ivt(report, alice, [])
    with pytest.raises(ReportError):
        services.confirm(empty, alice)
    assert not AuditEvent.objects.filter(action="import").exists()

    batch = _ivt(report, alice, [{"admission_no": "A1"}])
    stored = services.confirm(batch, alice)

    event = AuditEvent.objects.get(action="import")
    assert event.user == alice and event.detail["rows"] == stored == 1
    assert event.detail["batch"] == batch.pk
