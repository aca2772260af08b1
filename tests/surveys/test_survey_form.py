"""The online 总表 form is generated from the edition and enforces its rules."""

import json

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from surveys.forms.survey import SurveyForm

from .helpers import EDITION, all_filled, required_only


def post(values, confirm=()):
    """Form data as the browser sends it: strings, blank as ""."""
    data = QueryDict(mutable=True)
    for code, value in values.items():
        if value is None:
            data[code] = ""
        elif isinstance(value, bool):
            data[code] = "1" if value else "0"
        else:
            data[code] = str(value)
    data.setlist("confirm_warnings", list(confirm))
    return data


def test_one_field_per_item_with_label_required_flag_and_numeric_keyboard():
    form = SurveyForm(EDITION)
    field = form.fields["ci_deaths"]
    assert (field.label, field.required, field.min_value) == ("死亡例数", True, 0)
    assert field.widget.attrs["inputmode"] == "numeric"
    assert form.fields["neuro_discharges_total"].min_value == 1
    assert form.fields["ivt_sich"].required is False
    assert set(form.fields) == {*EDITION.codes, "confirm_warnings"}


def test_groups_follow_the_edition_with_bound_fields():
    groups = SurveyForm(EDITION).groups
    assert [group.code for group, _ in groups] == ["A", "B", "C", "D", "F"]
    group, fields = groups[0]
    assert [field.name for field in fields] == [item.code for item in group.items]
    assert fields[1].item.heading == "第一诊断脑梗死"


def test_consistent_values_are_valid_and_round_trip():
    form = SurveyForm(EDITION, data=post(all_filled()))
    assert form.is_valid(), form.errors
    stored = json.loads(json.dumps(form.values()))
    assert stored == all_filled()
    again = SurveyForm(EDITION, data=post(stored))
    assert again.is_valid() and again.values() == stored


def test_blank_optional_item_is_stored_as_none_not_zero():
    form = SurveyForm(EDITION, data=post(required_only()))
    assert form.is_valid(), form.errors
    assert form.values()["ivt_tenecteplase"] is None
    assert form.values()["dsa_24h"] is None
    assert form.values()["ivt_urokinase"] == 10


def test_explicit_zero_is_stored_as_zero():
    form = SurveyForm(EDITION, data=post(required_only(ivt_tenecteplase=0)))
    assert form.is_valid() and form.values()["ivt_tenecteplase"] == 0


def test_blank_required_item_shows_the_rule_message_next_to_the_field():
    form = SurveyForm(EDITION, data=post(required_only(ci_deaths=None)))
    assert form.errors["ci_deaths"] == ["请填写第一诊断脑梗死 死亡例数；没有发生请填写 0。"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "第一诊断脑梗死 死亡例数：请填写整数（不能有小数或文字）。"),
        ("2.5", "第一诊断脑梗死 死亡例数：请填写整数（不能有小数或文字）。"),
        ("-1", "第一诊断脑梗死 死亡例数：请填写≥0的整数！"),
    ],
)
def test_text_decimals_and_negatives_are_refused_with_the_rule_message(raw, message):
    data = post(required_only())
    data["ci_deaths"] = raw
    form = SurveyForm(EDITION, data=data)
    assert form.errors["ci_deaths"] == [message]


def test_full_width_digits_from_a_chinese_keyboard_are_read_as_numbers():
    data = post(required_only())
    data["ci_deaths"] = "１２"
    form = SurveyForm(EDITION, data=data)
    assert form.is_valid(), form.errors
    assert form.values()["ci_deaths"] == 12


def test_confirming_an_unknown_warning_is_refused_in_chinese():
    form = SurveyForm(EDITION, data=post(required_only(), ["no_such_rule"]))
    assert form.errors["confirm_warnings"] == ["所确认的提示已不存在，请重新核对后再保存。"]


def test_neuro_total_zero_shows_the_2018_message():
    form = SurveyForm(EDITION, data=post(required_only(neuro_discharges_total=0)))
    assert form.errors["neuro_discharges_total"] == ["神经科出院患者总例数：请填写大于0的整数！"]


def test_deaths_above_discharges_block_saving_with_the_message_next_to_deaths():
    values = required_only(ci_discharges=100, ci_with_htn=50, ci_deaths=120)
    form = SurveyForm(EDITION, data=post(values))
    assert not form.is_valid()
    assert form.errors["ci_deaths"] == [
        "第一诊断脑梗死 死亡例数（120）不能大于出院总例数（100），请核对后修改。"
    ]


def test_a_warning_blocks_saving_until_confirmed():
    values = required_only(evt_direct=5)
    form = SurveyForm(EDITION, data=post(values))
    assert not form.is_valid()
    assert [w.rule_id for w in form.warnings] == ["evt_modes_account_for_total"]
    assert "勾选“已核对，数据无误”" in form.non_field_errors()[0]

    confirmed = SurveyForm(EDITION, data=post(values, ["evt_modes_account_for_total"]))
    assert confirmed.is_valid(), confirmed.errors
    assert confirmed.confirmed_warning_ids == ["evt_modes_account_for_total"]


def test_confirming_another_warning_does_not_unblock():
    form = SurveyForm(EDITION, data=post(required_only(evt_direct=5), ["ivt_rate_plausible"]))
    assert not form.is_valid()
    assert form.confirmed_warning_ids == []


def test_every_current_warning_must_be_confirmed():
    values = required_only(evt_direct=5, neuro_discharges_total=600)
    form = SurveyForm(EDITION, data=post(values, ["evt_modes_account_for_total"]))
    assert not form.is_valid()
    both = ["discharges_within_neuro_total", "evt_modes_account_for_total"]
    assert SurveyForm(EDITION, data=post(values, both)).is_valid()


def test_stored_values_show_their_warnings_with_the_earlier_confirmation():
    values = required_only(evt_direct=5)
    form = SurveyForm(EDITION, initial=values, confirmed_warnings=["evt_modes_account_for_total"])
    assert form.confirm_choices() == [(form.warnings[0], True)]


def test_values_of_an_invalid_form_are_refused():
    form = SurveyForm(EDITION, data=post(required_only(ci_deaths=None)))
    with pytest.raises(ValueError):
        form.values()


def render(form):
    return render_to_string("surveys/includes/survey_form.html", {"form": form})


def test_partial_renders_groups_units_errors_and_warnings():
    values = required_only(ci_discharges=100, ci_with_htn=50, ci_deaths=120, evt_direct=5)
    form = SurveyForm(EDITION, data=post(values))
    form.is_valid()
    html = render(form)
    for text in ("出院患者", "急性缺血性卒中单纯静脉溶栓", "资源", "手术", "选填", "分钟", "张"):
        assert text in html
    assert "死亡例数（120）不能大于出院总例数（100）" in html
    assert 'value="evt_modes_account_for_total"' in html
    assert 'inputmode="numeric"' in html
    assert "is-invalid" in html
    assert "有 1 项填写有误" in html


def test_partial_has_no_inline_script_or_style():
    html = render(SurveyForm(EDITION, data=post(required_only(evt_direct=5))))
    assert "<script" not in html and "style=" not in html


@pytest.mark.parametrize(
    "data",
    [None, {"neuro_discharges_total": '12<x"', "ci_discharges": "3"}],
    ids=["blank", "bound with an error"],
)
def test_survey_fields_are_drawn_as_djangos_widget_templates_draw_them(data):
    """Issue 21: the form renderer draws the 总表's inputs and selects in Python; the markup
    is the templates', attribute for attribute — aria, required, the escaped value."""
    from django.forms.renderers import TemplatesSetting

    from surveys.editions import CURRENT_EDITION
    from surveys.forms.survey import SurveyForm

    form = SurveyForm(CURRENT_EDITION, data=data)
    if data:
        form.is_valid()
    drawn = {name: str(form[name]) for name in form.fields if name != "confirm_warnings"}
    form.renderer = TemplatesSetting()
    form._bound_fields_cache.clear()
    assert drawn == {name: str(form[name]) for name in drawn}
    assert len(drawn) == 60
