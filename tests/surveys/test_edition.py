"""The 2025 总表 edition is declared once, completely, with the 2018 labels (Decision 1)."""

import pytest

from surveys.editions import CURRENT_EDITION, get_edition
from surveys.editions.base import ERROR, WARNING, Edition, Group, Item

from .helpers import OPTIONAL_VALUES, REQUIRED_VALUES

EDITION = CURRENT_EDITION

# DATA_DICTIONARY §3.1–3.3: 2018 column, machine name, label verbatim ("上层 — 下层").
COLUMNS_2018 = [
    ("K", "neuro_discharges_total", "神经科出院患者总例数"),
    ("L", "ci_discharges", "第一诊断脑梗死 — 出院总例数"),
    ("M", "ci_with_htn", "第一诊断脑梗死 — 合并高血压例数"),
    ("N", "ci_deaths", "第一诊断脑梗死 — 死亡例数"),
    ("O", "tia_discharges", "第一诊断短暂性脑缺血发作（TIA）— 出院总例数"),
    ("P", "tia_with_htn", "第一诊断短暂性脑缺血发作（TIA）— 合并高血压例数"),
    ("Q", "ich_discharges", "第一诊断脑出血 — 出院总例数"),
    ("R", "ich_with_htn", "第一诊断脑出血 — 合并高血压例数"),
    ("S", "ich_deaths", "第一诊断脑出血 — 死亡例数"),
    ("T", "sah_discharges", "第一诊断蛛网膜下腔出血 — 出院总例数"),
    ("U", "sah_with_htn", "第一诊断蛛网膜下腔出血 — 合并高血压例数"),
    ("V", "sah_deaths", "第一诊断蛛网膜下腔出血 — 死亡例数"),
    ("W", "ivt_total", "总例数"),
    ("X", "ivt_nihss_improved", "治疗前后NIHSS评分改善≥4分或功能缺失完全恢复的例数"),
    ("Y", "ivt_mrs_0_2", "出院mRS≤2分例数"),
    ("Z", "ivt_alteplase", "用阿替普酶例数"),
    ("AA", "ivt_urokinase", "用尿激酶例数"),
    ("AB", "evt_total", "总例数"),
    ("AC", "evt_direct", "单纯取栓例数"),
    ("AD", "evt_bridging", "桥接例数"),
    ("AE", "evt_nihss_improved", "治疗前后NIHSS评分改善≥4分或功能缺失完全恢复的例数"),
    ("AF", "evt_mrs_0_2", "出院mRS≤2分例数"),
]

# Decision 1: the optional items added to groups B and C.
DECISION_1_OPTIONAL = {
    "ivt_tenecteplase": ("B", "用替奈普酶例数"),
    "ivt_prourokinase": ("B", "用重组人尿激酶原例数"),
    "ivt_other_drug": ("B", "用其他溶栓药例数"),
    "ivt_dnt_median_min": ("B", "DNT中位数"),
    "ivt_dnt_le60": ("B", "DNT≤60分钟例数"),
    "ivt_sich": ("B", "溶栓后症状性颅内出血例数"),
    "evt_dpt_median_min": ("C", "DPT（入院至股动脉穿刺）中位数"),
    "evt_mtici_2b3": ("C", "再灌注成功（mTICI≥2b）例数"),
    "evt_sich": ("C", "术后症状性颅内出血例数"),
    "evt_deaths": ("C", "住院死亡例数"),
}


def two_level_label(item):
    """The 2018 header as the dictionary writes it: 上层 — 下层 (spacing aside)."""
    return f"{item.heading}—{item.label}" if item.heading else str(item.label)


def test_current_edition_is_registered_by_id():
    assert get_edition("2025") is CURRENT_EDITION


def test_unknown_edition_id_is_refused():
    with pytest.raises(KeyError):
        get_edition("1999")


def test_every_2018_column_k_to_af_is_declared_once_in_order():
    declared = [(i.excel_column, i.code) for i in EDITION.items if i.excel_column]
    assert declared == [(column, code) for column, code, _ in COLUMNS_2018]


@pytest.mark.parametrize(("column", "code", "label"), COLUMNS_2018)
def test_2018_label_is_verbatim(column, code, label):
    assert two_level_label(EDITION.item(code)) == label.replace(" ", "")


@pytest.mark.parametrize(("column", "code", "label"), COLUMNS_2018)
def test_2018_items_are_required_counts_in_cases(column, code, label):
    item = EDITION.item(code)
    assert item.required and item.is_integer and str(item.unit) == "例"


def test_only_neuro_discharges_total_must_be_above_zero():
    minima = {item.code: item.minimum for item in EDITION.items if item.minimum != 0}
    assert minima == {"neuro_discharges_total": 1}


def test_2018_groups_are_a_b_c_in_order_and_required():
    titles = [(g.code, str(g.title), g.optional) for g in EDITION.groups[:3]]
    assert titles == [
        ("A", "出院患者", False),
        ("B", "急性缺血性卒中单纯静脉溶栓", False),
        ("C", "急性缺血性卒中早期血管内介入治疗", False),
    ]


@pytest.mark.parametrize(("code", "expected"), DECISION_1_OPTIONAL.items())
def test_decision_1_optional_items_present_and_not_required(code, expected):
    item = EDITION.item(code)
    assert (item.group, str(item.label), item.required) == (*expected, False)


def test_groups_d_and_f_are_optional_with_only_optional_items():
    for code, title in (("D", "资源"), ("F", "手术")):
        group = EDITION.group(code)
        assert (str(group.title), group.optional) == (title, True)
        assert group.items and not any(item.required for item in group.items)


def test_required_items_are_exactly_the_2018_columns():
    assert {item.code for item in EDITION.required_items} == {c for _, c, _ in COLUMNS_2018}


def test_sample_values_cover_every_item():
    assert set(REQUIRED_VALUES) | set(OPTIONAL_VALUES) == set(EDITION.codes)


def test_sub_counts_name_their_totals_as_in_the_dictionary():
    le = {item.code: item.le for item in EDITION.items if item.le}
    assert le["ci_deaths"] == "ci_discharges"
    assert le["tia_with_htn"] == "tia_discharges"
    assert le["ivt_urokinase"] == "ivt_total"
    assert le["evt_mrs_0_2"] == "evt_total"
    assert le["beds_stroke_unit"] == "beds_neurology"
    assert "tia_deaths" not in EDITION.codes  # the 2018 form has no TIA death column


def test_median_times_carry_their_ranges():
    assert (
        EDITION.item("ivt_dnt_median_min").maximum,
        EDITION.item("ivt_dnt_median_min").unit,
    ) == (
        600,
        "分钟",
    )
    assert EDITION.item("evt_dpt_median_min").maximum == 1440


def test_rule_levels_are_as_marked_in_section_7_3():
    levels = {rule.id: rule.level for rule in EDITION.rules}
    assert levels == {
        "discharges_within_neuro_total": WARNING,
        "ivt_drugs_within_total": ERROR,
        "ivt_drugs_account_for_total": WARNING,
        "evt_modes_not_above_total": ERROR,
        "evt_modes_account_for_total": WARNING,
        "reperfusion_within_infarction": WARNING,
        "ivt_rate_plausible": WARNING,
        "evt_rate_plausible": WARNING,
        "aneurysm_complications_within_procedures": ERROR,
        "aneurysm_deaths_within_procedures": ERROR,
        "ich_surgery_within_ich_discharges": WARNING,
    }


def test_an_item_declared_twice_is_refused():
    item = Item("x", "甲", "A")
    with pytest.raises(ValueError, match="declared twice"):
        Edition("t", "t", "t", groups=(Group("A", "甲", (item, item)),))


def test_a_total_that_is_not_declared_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        Edition("t", "t", "t", groups=(Group("A", "甲", (Item("x", "甲", "A", le="y"),)),))


# Issue 20 item 5: the edition prints and groups its own values (one formatter for the
# report page, the admin, 附件4 and the legacy record page).


def test_the_edition_prints_a_value_one_way():
    from surveys.editions import EDITION_2025

    yes_no = next(item for item in EDITION_2025.items if not item.is_integer)
    number = next(item for item in EDITION_2025.items if item.is_integer)

    assert EDITION_2025.display(yes_no, True) == "是"
    assert EDITION_2025.display(yes_no, False) == "否"
    assert EDITION_2025.display(number, 0) == "0"
    assert EDITION_2025.display(number, None) == ""


def test_the_edition_groups_values_in_its_own_order():
    from surveys.editions import EDITION_2025

    first = EDITION_2025.items[0]
    grouped = EDITION_2025.grouped({first.code: 7})

    assert [group for group, _ in grouped] == list(EDITION_2025.groups)
    assert grouped[0][1][0] == (first, 7)
    assert [item for _, items in grouped for item, _ in items] == list(EDITION_2025.items)
    assert all(value is None for _, items in grouped for _, value in items[1:])
