"""The attachments declared once: the 2018 layout (headers, columns, data-validation texts
as read from reference/templates-2018) and the fields of Decision 3."""

from casesets.models import ThrombolyticDrug, TreatmentMode
from casesets.specs import ATTACHMENT2, ATTACHMENT3

# Row 5 of attachment3-thrombolysis-cases-2018.xlsx (Sheet3) and of
# attachment2-intervention-cases-2018.xlsx (Sheet2).
HEADERS_2018_ATTACHMENT3 = {
    "A": "序号",
    "B": "年度",
    "C": "住院号",
    "D": "治疗前NIHSS评分",
    "E": "出院时NIHSS评分",
    "F": "出院时mRS评分",
    "G": "溶栓用药（阿替普酶/尿激酶）",
    "H": "其他溶栓用药(溶栓用药选择其他时填写）",
}
HEADERS_2018_ATTACHMENT2 = {
    "A": "序号",
    "B": "年度",
    "C": "住院号",
    "D": "治疗方式",
    "E": "治疗前NIHSS评分",
    "F": "出院时NIHSS评分",
    "G": "出院时mRS评分",
}


def headers(spec):
    return {c.letter: str(c.excel_header) for c in spec.columns}


def test_attachment3_keeps_the_2018_columns():
    assert {k: v for k, v in headers(ATTACHMENT3).items() if k <= "H"} == HEADERS_2018_ATTACHMENT3


def test_attachment2_keeps_the_2018_columns():
    assert {k: v for k, v in headers(ATTACHMENT2).items() if k <= "G"} == HEADERS_2018_ATTACHMENT2


def test_the_2018_columns_are_the_core_and_the_rest_optional():
    for spec, last in ((ATTACHMENT3, "H"), (ATTACHMENT2, "G")):
        for column in spec.columns:
            if column.is_model_field:
                assert column.core is (column.letter <= last), column.name


def test_optional_fields_of_decision_3():
    assert [str(c.label) for c in ATTACHMENT3.optional_columns] == [
        "发病时间", "发病时间不明确", "到院时间", "溶栓开始时间", "体重", "溶栓药总剂量",
        "症状性颅内出血", "出院日期", "90天mRS评分",
    ]  # fmt: skip
    assert [str(c.label) for c in ATTACHMENT2.optional_columns] == [
        "发病时间", "到院时间", "外院已静脉溶栓", "本院静脉溶栓开始时间", "动脉穿刺时间",
        "再灌注时间", "闭塞部位", "血管内治疗技术", "再灌注结局（mTICI）", "症状性颅内出血",
        "出院日期", "90天mRS评分",
    ]  # fmt: skip


def test_value_lists_of_decision_4():
    assert [str(label) for _, label in ATTACHMENT3.column("thrombolytic_drug").choices] == [
        "阿替普酶", "替奈普酶", "尿激酶", "重组人尿激酶原", "瑞替普酶", "其他",
    ]  # fmt: skip
    assert ATTACHMENT2.column("evt_mode").choices == list(TreatmentMode.choices)
    assert [str(label) for _, label in TreatmentMode.choices] == ["单纯取栓", "桥接"]
    assert ThrombolyticDrug.OTHER.value == "other"


def test_ranges_and_the_2018_messages():
    for spec in (ATTACHMENT2, ATTACHMENT3):
        for name in ("nihss_pre", "nihss_discharge"):
            column = spec.column(name)
            assert (column.minimum, column.maximum) == (0, 42)
            assert column.dv_error == "请输入0-42范围内的整数！"
        mrs = spec.column("mrs_discharge")
        assert (mrs.minimum, mrs.maximum, mrs.dv_error) == (0, 6, "请输入0-6范围内的整数！")
        assert spec.column("report_year").dv_prompt == "请在下拉选项中选择！"


def test_required_as_marked():
    assert [c.name for c in ATTACHMENT3.input_columns if c.required] == [
        "admission_no", "nihss_pre", "mrs_discharge", "thrombolytic_drug",
    ]  # fmt: skip
    assert [c.name for c in ATTACHMENT2.input_columns if c.required] == [
        "admission_no", "evt_mode", "nihss_pre", "mrs_discharge",
    ]  # fmt: skip
    assert ATTACHMENT3.column("nihss_discharge").condition
    assert ATTACHMENT3.column("thrombolytic_drug_other").condition


def test_the_listing_columns_of_spec_3_7():
    assert [str(ATTACHMENT3.labels[n]) for n in ATTACHMENT3.list_columns] == [
        "住院号", "治疗前NIHSS评分", "出院时NIHSS评分", "溶栓药", "其他溶栓药", "出院时mRS评分",
    ]  # fmt: skip
    assert [str(ATTACHMENT2.labels[n]) for n in ATTACHMENT2.list_columns] == [
        "住院号", "治疗方式", "治疗前NIHSS评分", "出院时NIHSS评分", "出院时mRS评分",
    ]  # fmt: skip


def test_every_excel_column_letter_is_used_once():
    for spec in (ATTACHMENT2, ATTACHMENT3):
        letters = [c.letter for c in spec.columns]
        assert len(letters) == len(set(letters))
