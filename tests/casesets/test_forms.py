"""The 增加病例 / 修改 forms built from the specs."""

import pytest
from django.utils import timezone

from casesets.forms import InterventionCaseForm, ThrombolysisCaseForm, form_for
from casesets.models import ThrombolysisCase
from casesets.specs import ATTACHMENT2, ATTACHMENT3

from .helpers import IVT_OPTIONAL, at, make_evt, make_ivt

pytestmark = pytest.mark.django_db

IVT_POST = {
    "admission_no": "ZY2025-001",
    "nihss_pre": "10",
    "nihss_discharge": "4",
    "mrs_discharge": "2",
    "thrombolytic_drug": "alteplase",
    "thrombolytic_drug_other": "",
}
EVT_POST = {
    "admission_no": "ZY2025-101",
    "evt_mode": "bridging",
    "nihss_pre": "16",
    "nihss_discharge": "8",
    "mrs_discharge": "3",
}


def ivt_form(report, instance=None, **changes):
    return ThrombolysisCaseForm({**IVT_POST, **changes}, report=report, instance=instance)


def test_a_valid_thrombolysis_form(report):
    form = ivt_form(report)
    assert form.is_valid(), form.errors
    case = form.save()
    assert case.pk is None  # saved by the service, not the form
    assert (case.report, case.thrombolytic_drug, case.nihss_discharge) == (report, "alteplase", 4)


def test_a_valid_intervention_form(report):
    form = InterventionCaseForm(EVT_POST, report=report)
    assert form.is_valid(), form.errors


def test_saving_with_commit_is_refused(report):
    form = ivt_form(report)
    form.is_valid()
    with pytest.raises(ValueError, match="services"):
        form.save(commit=True)


def test_other_drug_makes_its_name_required(report):
    form = ivt_form(report, thrombolytic_drug="other")
    assert not form.is_valid()
    assert form.errors["thrombolytic_drug_other"] == [
        "溶栓药选择了“其他”，请在其他溶栓药中填写药名。"
    ]
    assert ivt_form(report, thrombolytic_drug="other", thrombolytic_drug_other="链激酶").is_valid()


def test_a_named_drug_needs_no_other_name(report):
    assert ivt_form(report, thrombolytic_drug="urokinase").is_valid()


def test_range_errors_speak_chinese(report):
    form = ivt_form(report, nihss_pre="43", mrs_discharge="abc")
    assert not form.is_valid()
    assert form.errors["nihss_pre"] == ["治疗前NIHSS评分：请输入0-42范围内的整数！"]
    assert form.errors["mrs_discharge"] == ["出院时mRS评分：请填写整数（不能有小数或文字）。"]


def test_required_fields_say_what_to_fill(report):
    form = ivt_form(report, admission_no="  ", thrombolytic_drug="")
    assert not form.is_valid()
    assert form.errors["admission_no"] == ["请填写住院号。"]
    assert form.errors["thrombolytic_drug"] == ["请选择溶栓药。"]


def test_the_admission_number_is_normalized(report):
    form = ivt_form(report, admission_no=" ＺＹ００１ ")
    assert form.is_valid()
    assert form.cleaned_data["admission_no"] == "ZY001"


def test_core_fields_first_then_the_optional_group(report):
    form = ThrombolysisCaseForm(report=report)
    assert [f.name for f in form.core_fields] == [c.name for c in ATTACHMENT3.core_columns]
    assert [f.name for f in form.optional_fields] == [c.name for c in ATTACHMENT3.optional_columns]
    assert list(form.fields)[: len(ATTACHMENT3.input_names)] == list(ATTACHMENT3.input_names)
    assert not form.optional_open


def test_the_optional_group_opens_on_an_error_inside(report):
    form = ivt_form(report, weight_kg="300")
    assert not form.is_valid()
    assert form.optional_open
    weight = next(f for f in form.optional_fields if f.name == "weight_kg")
    assert "is-invalid" in weight.field.widget.attrs["class"]


def test_the_optional_group_is_open_for_a_case_with_clinical_data(report):
    case = make_ivt(report, **IVT_OPTIONAL)
    assert ThrombolysisCaseForm(report=report, instance=case).optional_open


def test_times_use_the_browser_date_time_input(report):
    case = make_ivt(report, **IVT_OPTIONAL)
    html = str(ThrombolysisCaseForm(report=report, instance=case)["needle_at"])
    assert 'type="datetime-local"' in html
    assert 'value="2025-03-01T09:40"' in html  # Beijing time


def test_browser_times_are_read_as_beijing_time(report):
    form = ivt_form(
        report,
        onset_at="2025-03-01T08:00",
        arrival_at="2025-03-01T09:00",
        needle_at="2025-03-01T09:40",
        discharge_date="2025-03-10",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["needle_at"] == at(3, 1, 9, 40)


def test_a_time_in_the_wrong_order_is_shown_next_to_it(report):
    form = ivt_form(report, arrival_at="2025-03-01T09:00", needle_at="2025-03-01T08:00")
    assert not form.is_valid()
    assert "时间顺序不对" in form.errors["needle_at"][0]


def test_derived_intervals_are_no_fields(report):
    form = InterventionCaseForm(report=report)
    assert not {"odt_minutes", "dnt_minutes", "dpt_minutes", "opt_minutes"} & set(form.fields)


def test_multiple_choices_are_checkboxes(report):
    form = InterventionCaseForm(
        {**EVT_POST, "occlusion_sites": ["mca_m1", "tandem"]}, report=report
    )
    assert form.is_valid(), form.errors
    assert form.save().occlusion_sites == ["mca_m1", "tandem"]


# Warnings to confirm -------------------------------------------------------------------------


def test_a_warning_blocks_saving_until_confirmed(report):
    late = {"arrival_at": "2025-03-01T09:00", "needle_at": "2025-03-01T10:15"}  # DNT 75
    form = ivt_form(report, **late)
    assert not form.is_valid()
    assert [w.rule_id for w in form.unconfirmed_warnings] == ["dnt_target"]
    assert "请逐条核对下方的提示" in form.non_field_errors()[0]
    assert form.confirm_choices() == [(form.warnings[0], False)]

    confirmed = ivt_form(report, **late, confirm_warnings=["dnt_target"])
    assert confirmed.is_valid(), confirmed.errors
    assert confirmed.save().confirmed_warnings == ["dnt_target"]


def test_a_duplicate_admission_number_asks_for_confirmation(report):
    make_ivt(report)
    form = ivt_form(report)
    assert not form.is_valid()
    assert "重复的可人工录入" in form.warnings[0].message
    assert ivt_form(report, confirm_warnings=["admission_no_duplicate"]).is_valid()


def test_editing_a_case_does_not_call_it_its_own_duplicate(report):
    case = make_ivt(report)
    assert ivt_form(report, instance=case, nihss_pre="12").is_valid()


def test_a_stored_confirmation_is_ticked_on_the_next_edit(report):
    case = make_ivt(report, confirmed_warnings=["admission_no_duplicate"])
    make_ivt(report)
    form = ThrombolysisCaseForm(report=report, instance=case)
    assert [(w.rule_id, ticked) for w, ticked in form.confirm_choices()] == [
        ("admission_no_duplicate", True)
    ]


def test_the_same_number_in_the_other_attachment_is_refused(report):
    make_evt(report, admission_no="ZY2025-001")
    form = ivt_form(report, confirm_warnings=["admission_no_duplicate"])
    assert not form.is_valid()
    assert "已登记在本报告的血管内介入治疗个案中" in form.errors["admission_no"][0]


def test_another_reports_cases_do_not_count(report, report_b):
    make_ivt(report_b)
    make_evt(report_b, admission_no="ZY2025-001")
    assert ivt_form(report).is_valid()


def test_deleted_cases_do_not_count(report):
    make_ivt(report, deleted_at=timezone.now())
    assert ivt_form(report).is_valid()


def test_a_form_per_attachment():
    assert form_for(ATTACHMENT3.kind) is ThrombolysisCaseForm
    assert form_for(ATTACHMENT2.kind) is InterventionCaseForm
    assert ThrombolysisCaseForm._meta.model is ThrombolysisCase
