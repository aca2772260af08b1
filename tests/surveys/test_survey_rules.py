"""Every rule of DATA_DICTIONARY §7.1 and §7.3 items 1–7, each an error or a warning as marked.

The rules are pure functions over a dict of values: the importer will call the same ones.
"""

import pytest

from surveys.editions import validation as v
from surveys.editions.validation import validate_values

from .helpers import EDITION, all_filled, required_only


def warning_ids(result):
    return [warning.rule_id for warning in result.warnings]


def assert_clean(result):
    assert (result.errors, result.warnings) == ({}, [])


def test_consistent_values_raise_nothing():
    assert_clean(validate_values(EDITION, required_only()))


def test_every_item_filled_consistently_raises_nothing():
    assert_clean(validate_values(EDITION, all_filled()))


# §7.1 field rules ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [item.code for item in EDITION.required_items])
def test_blank_required_item_is_an_error(code):
    result = validate_values(EDITION, required_only(**{code: None}))
    assert result.errors[code] == [f"请填写{EDITION.name_of(code)}；没有发生请填写 0。"]
    assert not result.warnings


@pytest.mark.parametrize("code", [item.code for item in EDITION.optional_items])
def test_blank_optional_item_is_accepted(code):
    assert_clean(validate_values(EDITION, all_filled(**{code: None})))


def test_missing_key_counts_as_blank():
    values = required_only()
    del values["ci_deaths"]
    assert "ci_deaths" in validate_values(EDITION, values).errors


@pytest.mark.parametrize("value", [3.5, "12", True])
def test_count_that_is_not_a_whole_number_is_an_error(value):
    result = validate_values(EDITION, required_only(ci_deaths=value))
    assert result.errors["ci_deaths"] == [
        "第一诊断脑梗死 死亡例数：请填写整数（不能有小数或文字）。"
    ]


def test_yes_no_item_must_be_yes_or_no():
    result = validate_values(EDITION, required_only(dsa_24h=1))
    assert result.errors["dsa_24h"] == ["DSA是否24h可用：请选择“是”或“否”。"]


@pytest.mark.parametrize("code", ["ci_discharges", "sah_deaths", "ivt_total", "evt_mrs_0_2"])
def test_negative_count_is_an_error_with_the_2018_message(code):
    result = validate_values(EDITION, required_only(**{code: -1}))
    assert result.errors[code] == [f"{EDITION.name_of(code)}：请填写≥0的整数！"]


@pytest.mark.parametrize("code", ["ivt_total", "evt_total", "ci_discharges", "ivt_sich"])
def test_zero_is_a_valid_count(code):
    values = all_filled(**{code: 0})
    errors = validate_values(EDITION, values).errors
    assert code not in errors


def test_neuro_discharges_total_must_be_above_zero():
    result = validate_values(EDITION, required_only(neuro_discharges_total=0))
    assert result.errors["neuro_discharges_total"] == ["神经科出院患者总例数：请填写大于0的整数！"]


@pytest.mark.parametrize(
    ("code", "limit"), [("ivt_dnt_median_min", 600), ("evt_dpt_median_min", 1440)]
)
def test_median_time_above_its_range_is_an_error(code, limit):
    assert code not in validate_values(EDITION, all_filled(**{code: limit})).errors
    result = validate_values(EDITION, all_filled(**{code: limit + 1}))
    assert result.errors[code] == [f"{EDITION.name_of(code)}不能大于{limit}分钟，请核对。"]


SUB_COUNTS = [item for item in EDITION.items if item.le]


@pytest.mark.parametrize("item", SUB_COUNTS, ids=[item.code for item in SUB_COUNTS])
def test_sub_count_above_its_total_is_an_error(item):
    values = all_filled()
    values[item.code] = values[item.le] + 1
    result = validate_values(EDITION, values)
    assert len(result.errors[item.code]) == 1
    assert f"（{values[item.code]}）不能大于" in result.errors[item.code][0]


def test_sub_count_equal_to_its_total_is_accepted():
    assert_clean(validate_values(EDITION, required_only(ci_deaths=400)))


def test_unknown_item_is_a_non_field_error():
    result = validate_values(EDITION, required_only(tia_deaths=1))
    assert result.errors[None] == ["“tia_deaths”不是本版总表的项目。"]


def test_a_field_error_keeps_the_value_out_of_cross_field_rules():
    result = validate_values(EDITION, required_only(ci_discharges=-5))
    assert list(result.errors) == ["ci_discharges"]  # no "死亡例数 > 出院总例数" on top


# §7.3 item 1: 合并高血压 / 死亡 ≤ 出院总例数 for 脑梗死, TIA, 脑出血, SAH — error


def test_ci_deaths_above_ci_discharges_is_an_error_naming_both():
    result = validate_values(
        EDITION, required_only(ci_discharges=100, ci_with_htn=50, ci_deaths=120)
    )
    assert result.errors == {
        "ci_deaths": ["第一诊断脑梗死 死亡例数（120）不能大于出院总例数（100），请核对后修改。"]
    }


@pytest.mark.parametrize(
    ("code", "total"),
    [
        ("ci_with_htn", "ci_discharges"),
        ("tia_with_htn", "tia_discharges"),
        ("ich_with_htn", "ich_discharges"),
        ("ich_deaths", "ich_discharges"),
        ("sah_with_htn", "sah_discharges"),
        ("sah_deaths", "sah_discharges"),
    ],
)
def test_hypertension_and_deaths_above_discharges_are_errors(code, total):
    result = validate_values(EDITION, required_only(**{code: required_only()[total] + 1}))
    assert list(result.errors) == [code] and not result.warnings


# §7.3 item 2: the four diagnoses ≤ 神经科出院患者总例数 — warning only ------------------------


def test_diagnoses_above_neuro_total_is_a_warning_not_an_error():
    result = validate_values(EDITION, required_only(neuro_discharges_total=600))
    assert result.errors == {}
    assert warning_ids(result) == ["discharges_within_neuro_total"]
    assert result.warnings[0].code == "neuro_discharges_total"
    assert "之和（700）大于神经科出院患者总例数（600）" in result.warnings[0].message


# §7.3 item 3: 单纯静脉溶栓 ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ivt_nihss_improved", "ivt_mrs_0_2"])
def test_ivt_outcome_above_ivt_total_is_an_error(code):
    result = validate_values(EDITION, required_only(**{code: 41}))
    assert list(result.errors) == [code]


def test_ivt_drugs_together_above_ivt_total_is_an_error():
    result = validate_values(EDITION, required_only(ivt_alteplase=30, ivt_urokinase=15))
    assert result.errors["ivt_total"] == [
        "单纯静脉溶栓 用阿替普酶例数、用尿激酶例数之和（45）不能大于总例数（40）："
        "一位患者只计一种溶栓药。"
    ]


def test_optional_drug_counts_join_the_sum():
    result = validate_values(EDITION, required_only(ivt_tenecteplase=5))
    assert "ivt_total" in result.errors


def test_all_drug_columns_filled_short_of_ivt_total_is_a_warning():
    result = validate_values(EDITION, all_filled(ivt_alteplase=25))
    assert result.errors == {}
    assert warning_ids(result) == ["ivt_drugs_account_for_total"]


def test_drug_sum_short_of_total_with_a_blank_drug_column_is_not_judged():
    # Blank is "not reported", not 0: the missing column may hold the difference.
    assert_clean(validate_values(EDITION, all_filled(ivt_alteplase=25, ivt_other_drug=None)))


def test_ivt_drugs_rule_is_a_reusable_function():
    values = required_only(ivt_urokinase=15)
    assert v.ivt_drugs_within_total(values, EDITION).startswith("单纯静脉溶栓 用阿替普酶例数")
    assert v.ivt_drugs_within_total(required_only(), EDITION) is None


# §7.3 item 4: 单纯取栓 + 桥接 = 总例数 — error if above, warning if below -------------------------


def test_evt_modes_above_evt_total_is_an_error():
    result = validate_values(EDITION, required_only(evt_direct=7))
    assert result.errors == {
        "evt_total": [
            "血管内介入治疗 单纯取栓例数、桥接例数之和（11）不能大于总例数（10），请核对后修改。"
        ]
    }


def test_evt_modes_below_evt_total_is_a_warning():
    result = validate_values(EDITION, required_only(evt_direct=5))
    assert result.errors == {}
    assert warning_ids(result) == ["evt_modes_account_for_total"]


# §7.3 item 5: 介入 outcomes ≤ 总例数 — error ---------------------------------------------------


@pytest.mark.parametrize("code", ["evt_nihss_improved", "evt_mrs_0_2"])
def test_evt_outcome_above_evt_total_is_an_error(code):
    result = validate_values(EDITION, required_only(**{code: 11}))
    assert list(result.errors) == [code]


# §7.3 item 6: 溶栓 + 介入 ≤ 第一诊断脑梗死 出院总例数 — warning


def test_reperfusion_above_infarction_discharges_is_a_warning():
    values = required_only(ci_discharges=45, ci_with_htn=20, ci_deaths=2)
    result = validate_values(EDITION, values)
    assert result.errors == {}
    assert "reperfusion_within_infarction" in warning_ids(result)


# §7.3 item 7: plausibility of the treatment rates — warning -----------------------------------


def test_ivt_rate_above_forty_percent_is_a_warning():
    values = required_only(ci_discharges=90, ci_with_htn=50, ci_deaths=2)  # 40/90 = 44.4 %
    result = validate_values(EDITION, values)
    assert result.errors == {}
    assert warning_ids(result) == ["ivt_rate_plausible"]
    assert "44.4%" in result.warnings[0].message


def test_ivt_rate_of_exactly_forty_percent_is_accepted():
    assert_clean(validate_values(EDITION, required_only(ci_discharges=100, ci_with_htn=50)))


def test_evt_rate_above_twenty_five_percent_is_a_warning():
    values = required_only(
        ci_discharges=100, ci_with_htn=50, ivt_total=0, ivt_nihss_improved=0, ivt_mrs_0_2=0,
        ivt_alteplase=0, ivt_urokinase=0, evt_total=26, evt_direct=20, evt_bridging=6,
    )  # fmt: skip
    result = validate_values(EDITION, values)
    assert result.errors == {}
    assert warning_ids(result) == ["evt_rate_plausible"]


def test_rates_are_not_judged_without_infarction_discharges():
    values = required_only(
        ci_discharges=0, ci_with_htn=0, ci_deaths=0, ivt_total=0, ivt_nihss_improved=0,
        ivt_mrs_0_2=0, ivt_alteplase=0, ivt_urokinase=0, evt_total=0, evt_direct=0,
        evt_bridging=0, evt_nihss_improved=0, evt_mrs_0_2=0,
    )  # fmt: skip
    assert_clean(validate_values(EDITION, values))


# §3.4 ranges of the optional 手术 group ----------------------------------------------------------


def test_aneurysm_deaths_above_all_aneurysm_procedures_is_an_error():
    result = validate_values(EDITION, all_filled(aneurysm_deaths=41))
    assert result.errors == {
        "aneurysm_deaths": [
            "颅内动脉瘤手术 动脉瘤手术住院死亡例数（41）不能大于颅内动脉瘤夹闭术例数、"
            "颅内动脉瘤介入栓塞术例数之和（40），请核对后修改。"
        ]
    }


def test_aneurysm_complications_above_all_aneurysm_procedures_is_an_error():
    result = validate_values(EDITION, all_filled(aneurysm_complications=41))
    assert list(result.errors) == ["aneurysm_complications"]


def test_ich_surgery_above_ich_discharges_is_a_warning():
    result = validate_values(EDITION, all_filled(ich_surgery_total=151))
    assert result.errors == {}
    assert warning_ids(result) == ["ich_surgery_within_ich_discharges"]
