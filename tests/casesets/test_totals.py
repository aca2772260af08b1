"""总表 ↔ case lists (§7.3 items 8–12): the warnings at 提交, the derivable items and
"用个案汇总填充"."""

import pytest
from django.utils import timezone

from casesets.services import fill_survey_from_cases
from casesets.totals import survey_case_warnings, survey_fill_preview, survey_values_from_cases
from surveys import reports
from surveys.models import ReportStatus
from tests.surveys.helpers import required_only

from .helpers import make_evt, make_ivt

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(report):
    """4 thrombolysis and 3 intervention cases of every kind the counts separate."""
    make_ivt(report, admission_no="T1", nihss_pre=10, nihss_discharge=6, mrs_discharge=1)
    make_ivt(
        report,
        admission_no="T2",
        nihss_pre=10,
        nihss_discharge=7,
        mrs_discharge=3,
        thrombolytic_drug="urokinase",
    )
    make_ivt(
        report,
        admission_no="T3",
        nihss_pre=3,
        nihss_discharge=0,
        mrs_discharge=2,
        thrombolytic_drug="reteplase",
    )
    make_ivt(
        report,
        admission_no="T4",
        nihss_pre=20,
        nihss_discharge=None,
        mrs_discharge=6,
        thrombolytic_drug="other",
        thrombolytic_drug_other="链激酶",
    )
    make_evt(
        report,
        admission_no="E1",
        evt_mode="direct",
        nihss_pre=16,
        nihss_discharge=12,
        mrs_discharge=2,
    )
    make_evt(
        report,
        admission_no="E2",
        evt_mode="bridging",
        nihss_pre=16,
        nihss_discharge=0,
        mrs_discharge=6,
    )
    make_evt(
        report,
        admission_no="E3",
        evt_mode="bridging",
        nihss_pre=8,
        nihss_discharge=5,
        mrs_discharge=4,
    )
    return report  # fmt: skip


FROM_CASES = {
    "ivt_total": 4,
    "ivt_nihss_improved": 2,  # T1 (−4) and T3 (0 at discharge); T4 died
    "ivt_mrs_0_2": 2,
    "ivt_alteplase": 1,
    "ivt_urokinase": 1,
    "ivt_tenecteplase": 0,
    "ivt_prourokinase": 0,
    "ivt_other_drug": 2,  # 瑞替普酶 and 其他
    "evt_total": 3,
    "evt_direct": 1,
    "evt_bridging": 2,
    "evt_nihss_improved": 1,  # E1 (−4); E2 died with NIHSS 0
    "evt_mrs_0_2": 1,
}


def matching_survey(**changes):
    return required_only(
        **{**FROM_CASES, "ivt_tenecteplase": None, "ivt_prourokinase": None, **changes}
    )


def test_the_derivable_items_are_counted_from_the_cases(cases, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert survey_values_from_cases(cases) == FROM_CASES


def test_deleted_cases_do_not_count(cases):
    cases.thrombolysis_cases.filter(admission_no="T1").update(deleted_at=timezone.now())
    assert survey_values_from_cases(cases)["ivt_total"] == 3


def test_a_survey_matching_the_cases_raises_no_warning(cases):
    cases.values = matching_survey()
    assert survey_case_warnings(cases) == []


@pytest.mark.parametrize(
    ("item", "stated", "item_no"),
    [
        ("ivt_total", 5, "8"),
        ("evt_total", 2, "8"),
        ("ivt_alteplase", 2, "9"),
        ("ivt_other_drug", 1, "9"),
        ("ivt_mrs_0_2", 3, "10"),
        ("evt_mrs_0_2", 0, "10"),
        ("ivt_nihss_improved", 1, "11"),
        ("evt_nihss_improved", 2, "11"),
        ("evt_direct", 0, "12"),
        ("evt_bridging", 3, "12"),
    ],
)
def test_each_difference_is_a_warning_with_both_numbers(cases, item, stated, item_no):
    cases.values = matching_survey(**{item: stated})
    (warning,) = survey_case_warnings(cases)
    assert warning.id == f"cases_{item}"
    assert f"填写为{stated}例" in warning.message
    assert f"有{FROM_CASES[item]}例" in warning.message


def test_a_blank_optional_item_is_not_compared(cases):
    cases.values = matching_survey(ivt_tenecteplase=None)
    assert survey_case_warnings(cases) == []
    cases.values = matching_survey(ivt_tenecteplase=1)
    assert [w.id for w in survey_case_warnings(cases)] == ["cases_ivt_tenecteplase"]


def test_an_attachment_without_cases_warns_once(report):
    report.values = required_only()  # 40 thrombolysis, 10 intervention cases, none itemised
    warnings = survey_case_warnings(report)
    assert [w.id for w in warnings] == ["cases_ivt_total", "cases_evt_total"]
    assert "单纯静脉溶栓 总例数”填写为40例，而单纯静脉溶栓个案登记中共有0例" in warnings[0].message


def test_no_survey_no_warning(cases):
    assert survey_case_warnings(cases) == []


def test_the_warnings_are_part_of_the_submission_check(cases):
    cases.values = matching_survey(ivt_total=5)
    check = reports.submission_check(cases)
    assert [w.id for w in check.warnings] == ["cases_ivt_total"]


def test_fill_writes_the_counts_and_keeps_the_rest(cases, alice):
    cases.values = matching_survey(ivt_total=40, evt_bridging=0, neuro_discharges_total=999)
    cases.save()
    preview = {
        row.code: (row.current, row.from_cases, row.changes) for row in survey_fill_preview(cases)
    }
    assert preview["ivt_total"] == (40, 4, True)
    assert preview["evt_total"] == (3, 3, False)

    filled = fill_survey_from_cases(cases, alice)

    assert {k: filled.values[k] for k in FROM_CASES} == FROM_CASES
    assert filled.values["neuro_discharges_total"] == 999
    assert (filled.survey_version, filled.survey_saved_by) == (1, alice)
    assert survey_case_warnings(filled) == []


def test_fill_of_a_locked_report_is_refused(cases, alice):
    cases.status = ReportStatus.SUBMITTED
    cases.save()
    with pytest.raises(reports.ReportError):
        fill_survey_from_cases(cases, alice)
