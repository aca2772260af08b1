"""Every case rule of DATA_DICTIONARY §7.2, §7.3 items 13 and 15–18, §7.4 and Decision 6,
each as the error or warning the dictionary makes it. Pure: no database."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casesets import validators as v
from casesets.specs import ATTACHMENT2, ATTACHMENT3

from .helpers import (
    at,
    check_evt,
    check_ivt,
    evt_core,
    evt_values,
    ivt_core,
    ivt_values,
)


def test_complete_cases_pass_every_rule():
    assert check_ivt(ivt_values()) == ({}, {})
    assert check_evt(evt_values()) == ({}, {})


def test_the_core_fields_alone_pass():
    assert check_ivt(ivt_core()) == ({}, {})
    assert check_evt(evt_core()) == ({}, {})


# §7.2 field rules (errors) -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nihss_pre", "nihss_discharge"])
@pytest.mark.parametrize("value", [0, 42])
def test_nihss_accepts_0_to_42(name, value):
    assert check_ivt(ivt_core(**{name: value}))[0] == {}


@pytest.mark.parametrize("name", ["nihss_pre", "nihss_discharge"])
@pytest.mark.parametrize("value", [-1, 43])
def test_nihss_outside_0_to_42_is_an_error(name, value):
    errors, _ = check_ivt(ivt_core(**{name: value}))
    assert errors[name] == [f"{ATTACHMENT3.labels[name]}：请输入0-42范围内的整数！"]


@pytest.mark.parametrize("value", [-1, 7])
def test_mrs_outside_0_to_6_is_an_error(value):
    errors, _ = check_evt(evt_core(mrs_discharge=value))
    assert errors["mrs_discharge"] == ["出院时mRS评分：请输入0-6范围内的整数！"]


def test_a_score_must_be_a_whole_number():
    errors, _ = check_ivt(ivt_core(nihss_pre="十"))
    assert errors["nihss_pre"] == ["治疗前NIHSS评分：请填写整数（不能有小数或文字）。"]


@pytest.mark.parametrize("name", ["admission_no", "nihss_pre", "mrs_discharge"])
def test_a_required_field_may_not_be_blank(name):
    errors, _ = check_ivt(ivt_core(**{name: None}))
    assert errors[name] == [f"请填写{ATTACHMENT3.labels[name]}。"]


def test_the_drug_is_required():
    errors, _ = check_ivt(ivt_core(thrombolytic_drug=""))
    assert errors["thrombolytic_drug"] == ["请选择溶栓药。"]


def test_the_treatment_mode_is_required():
    errors, _ = check_evt(evt_core(evt_mode=None))
    assert errors["evt_mode"] == ["请选择治疗方式。"]


def test_a_drug_outside_the_list_is_an_error():
    errors, _ = check_ivt(ivt_core(thrombolytic_drug="链激酶"))
    assert errors["thrombolytic_drug"] == ["溶栓药：请在下拉选项中选择，不要手动输入！"]


def test_a_mode_outside_the_list_is_an_error():
    errors, _ = check_evt(evt_core(evt_mode="动脉溶栓"))
    assert errors["evt_mode"] == ["治疗方式：请在下拉选项中选择，不要手动输入！"]


def test_discharge_nihss_may_be_blank_when_the_patient_died():
    assert check_ivt(ivt_core(nihss_discharge=None, mrs_discharge=6))[0] == {}


def test_discharge_nihss_is_required_otherwise():
    errors, _ = check_evt(evt_core(nihss_discharge=None, mrs_discharge=5))
    assert "只有患者死亡" in errors["nihss_discharge"][0]


def test_other_drug_requires_its_name():
    errors, _ = check_ivt(ivt_core(thrombolytic_drug="other", thrombolytic_drug_other=""))
    assert errors["thrombolytic_drug_other"] == ["溶栓药选择了“其他”，请在其他溶栓药中填写药名。"]


def test_other_drug_with_its_name_passes():
    values = ivt_core(thrombolytic_drug="other", thrombolytic_drug_other="链激酶")
    assert check_ivt(values)[0] == {}


def test_a_named_drug_leaves_other_drug_empty():
    errors, _ = check_ivt(ivt_core(thrombolytic_drug_other="链激酶"))
    assert "应留空" in errors["thrombolytic_drug_other"][0]


def test_other_drug_is_at_most_50_characters():
    values = ivt_core(thrombolytic_drug="other", thrombolytic_drug_other="药" * 51)
    assert check_ivt(values)[0]["thrombolytic_drug_other"] == ["其他溶栓药最多50个字，请缩短。"]


@pytest.mark.parametrize("number", ["ZY2025-001", "2025/0001", "a_1", "9" * 32])
def test_admission_numbers_of_letters_digits_and_dashes_pass(number):
    assert check_ivt(ivt_core(admission_no=number))[0] == {}


@pytest.mark.parametrize("number", ["住院001", "ZY 001", "ZY#1"])
def test_other_admission_numbers_are_errors(number):
    errors, _ = check_ivt(ivt_core(admission_no=number))
    assert "只能由字母、数字和 - _ / 组成" in errors["admission_no"][0]


def test_an_admission_number_is_at_most_32_characters():
    errors, _ = check_ivt(ivt_core(admission_no="9" * 33))
    assert errors["admission_no"] == ["住院号最多32个字，请缩短。"]


def test_admission_numbers_are_trimmed_and_made_half_width():
    assert v.normalize_admission_no("  ＺＹ２０２５－００１ ") == "ZY2025-001"
    assert v.normalize_admission_no(12345.0) == "12345"
    assert check_ivt(ivt_core(admission_no="  ＺＹ００１ "))[0] == {}


@pytest.mark.parametrize("year", [2025, "2025", "2025年"])
def test_the_row_year_of_an_import_is_the_report_year(year):
    assert check_ivt({**ivt_core(), "report_year": year}, entry="import")[0] == {}


def test_another_row_year_is_an_error():
    errors, _ = check_ivt({**ivt_core(), "report_year": "2018年"}, entry="import")
    assert errors["report_year"] == ["年度应为2025年（本报告的数据年度），请修改。"]


def test_a_missing_row_year_is_an_error():
    errors, _ = check_ivt({**ivt_core(), "report_year": None}, entry="import")
    assert errors["report_year"] == ["请选择年度。"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("weight_kg", Decimal("19.9"), "体重：请填写20–250之间的数值kg。"),
        ("drug_total_dose", Decimal("301"), "溶栓药总剂量：请填写0–300之间的数值mg或万IU。"),
        ("mrs_90d", 7, "90天mRS评分：请输入0-6范围内的整数！"),
    ],
)
def test_optional_numbers_have_ranges(name, value, message):
    assert check_ivt(ivt_values(**{name: value}))[0][name] == [message]


def test_multiple_choices_come_from_their_list():
    errors, _ = check_evt(evt_values(occlusion_sites=["mca_m1", "颈动脉"]))
    assert errors["occlusion_sites"] == ["闭塞部位：请在下拉选项中选择，不要手动输入！"]


def test_a_time_must_be_a_date_and_time():
    errors, _ = check_ivt(ivt_values(arrival_at="2025-03-01"))
    assert "请按“年-月-日 时:分”填写" in errors["arrival_at"][0]


# §7.3 item 13 and Decision 6: 住院号 across cases ---------------------------------------------


def test_a_number_in_the_other_attachment_is_an_error():
    errors, _ = check_ivt(ivt_core(), other={"ZY2025-001"})
    assert "已登记在本报告的血管内介入治疗个案中" in errors["admission_no"][0]


def test_the_rule_holds_both_ways():
    errors, _ = check_evt(evt_core(), other={"ZY2025-101"})
    assert "已登记在本报告的单纯静脉溶栓个案中" in errors["admission_no"][0]


def test_a_number_already_in_this_attachment_is_a_warning_by_hand():
    errors, warnings = check_ivt(ivt_core(), same={"ZY2025-001"})
    assert errors == {}
    assert "重复的可人工录入" in warnings["admission_no_duplicate"]


def test_a_number_already_in_this_attachment_is_refused_on_import():
    errors, warnings = check_ivt(ivt_core(), same={"ZY2025-001"}, entry="import")
    assert "同一个住院号只允许导入一次" in errors["admission_no"][0]
    assert warnings == {}


def test_the_comparison_uses_the_normalized_number():
    _, warnings = check_ivt(ivt_core(admission_no=" ＺＹ2025-001"), same={"ZY2025-001"})
    assert "admission_no_duplicate" in warnings


# §7.3 items 15–18 --------------------------------------------------------------------------


def test_unknown_onset_leaves_the_onset_time_blank():
    errors, _ = check_ivt(ivt_values(onset_unknown=True))
    assert "应留空" in errors["onset_at"][0]
    assert check_ivt(ivt_values(onset_unknown=True, onset_at=None))[0] == {}


@pytest.mark.parametrize(
    ("drug", "onset", "warned"),
    [
        ("alteplase", at(3, 1, 4, 0), True),  # ONT 340 min > 4.5 h
        ("tenecteplase", at(3, 1, 5, 10), False),  # 270 min: inside
        ("urokinase", at(3, 1, 4, 0), False),  # 340 min < 6 h
        ("urokinase", at(3, 1, 3, 30), True),  # 370 min > 6 h
        ("reteplase", at(3, 1, 1, 0), False),  # no window declared
    ],
)
def test_thrombolysis_beyond_the_time_window_is_a_warning(drug, onset, warned):
    values = ivt_values(thrombolytic_drug=drug, onset_at=onset, arrival_at=None)
    errors, warnings = check_ivt(values)
    assert errors == {}
    assert ("ivt_time_window" in warnings) is warned


def test_puncture_beyond_24_hours_after_onset_is_a_warning():
    errors, warnings = check_evt(evt_values(onset_at=at(4, 1, 8, 0), arrival_at=None))
    assert errors == {}
    assert "超过24小时" in warnings["evt_within_24h"]


@pytest.mark.parametrize(
    "changes",
    [{"needle_at": at(4, 2, 8, 30)}, {"needle_at": None, "ivt_at_outside_hospital": True}],
)
def test_direct_thrombectomy_has_no_thrombolysis(changes):
    errors, _ = check_evt(evt_values(evt_mode="direct", **changes))
    assert "属于“桥接”" in errors["evt_mode"][0]


def test_direct_thrombectomy_without_thrombolysis_passes():
    values = evt_values(evt_mode="direct", needle_at=None, ivt_at_outside_hospital=False)
    assert check_evt(values) == ({}, {})


# §7.4 time ordering (errors) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"onset_at": at(3, 1, 9, 30)}, "arrival_at"),  # onset after door
        ({"needle_at": at(3, 1, 8, 50)}, "needle_at"),  # needle before door
        ({"arrival_at": None, "needle_at": at(3, 1, 7, 0)}, "needle_at"),  # needle before onset
        ({"discharge_date": datetime.date(2025, 2, 28)}, "discharge_date"),
    ],
)
def test_thrombolysis_times_in_the_wrong_order_are_errors(changes, field):
    errors, _ = check_ivt(ivt_values(**changes))
    assert list(errors) == [field]
    assert "时间顺序不对" in errors[field][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"arrival_at": at(4, 2, 6, 0)}, "arrival_at"),
        ({"needle_at": at(4, 2, 9, 20)}, "puncture_at"),  # bridging: needle ≤ puncture
        ({"needle_at": None, "puncture_at": at(4, 2, 7, 50)}, "puncture_at"),
        ({"reperfusion_at": at(4, 2, 9, 0)}, "reperfusion_at"),
        ({"discharge_date": datetime.date(2025, 4, 1)}, "discharge_date"),
    ],
)
def test_intervention_times_in_the_wrong_order_are_errors(changes, field):
    errors, _ = check_evt(evt_values(**changes))
    assert list(errors) == [field]
    assert "时间顺序不对" in errors[field][0]


def test_one_wrong_time_gives_one_message():
    # 发病 typed a day late: later than 到院, 溶栓 and 穿刺, reported once.
    errors, _ = check_evt(evt_values(onset_at=at(4, 3, 7, 0)))
    assert errors == {"arrival_at": [errors["arrival_at"][0]]}
    assert "到院时间（2025-04-02 08:00）早于发病时间（2025-04-03 07:00）" in errors["arrival_at"][0]


def test_the_same_minute_is_in_order():
    assert check_ivt(ivt_values(needle_at=at(3, 1, 9, 0)))[0] == {}


def test_discharge_on_the_day_of_arrival_is_in_order():
    assert check_ivt(ivt_values(discharge_date=datetime.date(2025, 3, 1)))[0] == {}


def test_the_discharge_date_lies_in_the_data_year():
    errors, _ = check_ivt(ivt_core(discharge_date=datetime.date(2026, 1, 3)))
    assert "不在本报告的数据年度（2025年1月1日至12月31日）内" in errors["discharge_date"][0]


def test_no_event_after_the_data_year():
    values = ivt_core(arrival_at=at(1, 2, 9, 0, year=2026))
    errors, _ = check_ivt(values)
    assert "晚于本报告数据年度（2025年）的年末" in errors["arrival_at"][0]


def test_an_event_before_the_data_year_is_a_warning():
    values = ivt_values(
        onset_at=at(12, 31, 22, 0, year=2024),
        arrival_at=at(12, 31, 23, 0, year=2024),
        needle_at=at(1, 1, 0, 10),
    )
    errors, warnings = check_ivt(values)
    assert errors == {}
    assert "发病时间（2024-12-31 22:00）早于本报告的数据年度" in warnings["before_year"]


# §7.4 warnings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        (at(3, 1, 10, 0), set()),  # DNT 60: on target
        (at(3, 1, 10, 15), {"dnt_target"}),  # 75
        (at(3, 1, 13, 0), {"dnt_target", "ivt_time_window"}),  # 240; ONT 300 > 270
        (at(3, 1, 9, 3), {"dnt_plausible"}),  # 3
    ],
)
def test_door_to_needle_warnings(needle, expected):
    errors, warnings = check_ivt(ivt_values(needle_at=needle))
    assert errors == {}
    assert set(warnings) == expected


def test_a_door_to_needle_over_240_minutes_is_probably_a_typo():
    values = ivt_values(onset_at=None, needle_at=at(3, 1, 13, 30))
    assert set(check_ivt(values)[1]) == {"dnt_plausible"}


def test_door_to_puncture_above_90_minutes_is_a_warning():
    errors, warnings = check_evt(evt_values(puncture_at=at(4, 2, 9, 40), reperfusion_at=None))
    assert errors == {}
    assert "到院至动脉穿刺时间（DPT）为100分钟" in warnings["dpt_target"]


def test_warnings_are_declared_as_warnings_and_errors_as_errors():
    levels = {rule.id: rule.level for spec in (ATTACHMENT2, ATTACHMENT3) for rule in spec.rules}
    assert {i for i, level in levels.items() if level == "warning"} == {
        "admission_no_duplicate",
        "before_year",
        "dnt_target",
        "dnt_plausible",
        "dpt_target",
        "evt_within_24h",
        "ivt_time_window",
    }
    assert levels["admission_no_in_other_attachment"] == "error"
    assert levels["admission_no_imported_once"] == "error"
    assert all(levels[i] == "error" for i in levels if i.startswith("order_"))


# The importer's remembered verdicts (``validate_case(..., verdicts=)``) -----------------------

# Cells as they may reach the rules: right and wrong types, in and out of range, values
# equal across types (1, 1.0, True, Decimal("1")), codes and labels, blanks, lists.
ODD_VALUES = st.sampled_from([
    None, "", " ", 0, 1, 6, 7, 42, 43, -1, 1.0, 1.5, True, False, Decimal("1"), Decimal("1.0"),
    Decimal("20.5"), Decimal("300.01"), "1", "是", "否", "alteplase", "urokinase", "other",
    "阿替普酶", "2b", "no", "bridging", "direct", "2025", "2025年", "2024年", ["mca_m1"], [1],
])  # fmt: skip


@given(st.lists(
    st.sampled_from([(ATTACHMENT3, ivt_values), (ATTACHMENT2, evt_values)]).flatmap(
        lambda pair: st.tuples(
            st.just(pair),
            st.dictionaries(st.sampled_from([c.name for c in pair[0].columns
                                             if c.name != "seq_no"]), ODD_VALUES, max_size=6),
        )
    ),
    min_size=1, max_size=12,
))  # fmt: skip
@settings(max_examples=200, deadline=None)
def test_remembered_verdicts_change_no_result(cases):
    """The same errors and warnings, case after case, with one ``verdicts`` dict kept across
    a run as without it."""
    verdicts = {ATTACHMENT3.kind: {}, ATTACHMENT2.kind: {}}
    for (spec, complete), changes in cases:
        values = complete(**changes)
        context = spec.context(data_year=2025)
        alone = v.validate_case(spec, values, context, entry=v.IMPORT)
        remembered = v.validate_case(
            spec, values, context, entry=v.IMPORT, verdicts=verdicts[spec.kind]
        )
        assert (remembered.errors, remembered.warnings) == (alone.errors, alone.warnings)
