"""The report pages with real cases (issue 6): the list's "共上报N例溶栓个案，M例介入个案"
counted live, and the §7.3 items 8–12 总表 ↔ case warnings the user confirms at 提交."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casesets import services as cases
from casesets.models import InterventionCase, ThrombolysisCase
from surveys import reports
from surveys.editions.validation import validate_values
from surveys.models import ReportStatus, ReportTransition
from tests.casesets.helpers import EVT_CORE, IVT_CORE, make_evt, make_ivt
from tests.surveys.helpers import EDITION, required_only
from tests.surveys.test_basic_info import make_basic_info
from tests.surveys.test_reports import add_scan, old_report, row_of, set_window, url

HOME = reverse("surveys:home")


@pytest.fixture
def report(alice, db):
    set_window(reports.current_data_year())
    make_basic_info(alice)
    return reports.open_current_report(alice)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


# 共上报N例溶栓个案，M例介入个案 -----------------------------------------------------------------


def test_the_list_counts_the_live_cases_of_each_report(signed_in, alice, report):
    make_ivt(report, admission_no="T1")
    make_ivt(report, admission_no="T2")
    make_evt(report, admission_no="E1")
    deleted = make_ivt(report, admission_no="T3")
    cases.delete_case(case=deleted, user=alice)
    earlier = old_report(alice.institution, report.data_year - 1, status=ReportStatus.APPROVED)
    make_evt(earlier, admission_no="E9")

    response = signed_in.get(HOME)

    assert "共上报2例溶栓个案，1例介入个案" in row_of(response, report)
    assert "共上报0例溶栓个案，1例介入个案" in row_of(response, earlier)


def test_a_restored_case_counts_again(signed_in, alice, auditor, report):
    case = cases.delete_case(case=make_ivt(report, admission_no="T1"), user=alice)
    assert "共上报0例溶栓个案" in row_of(signed_in.get(HOME), report)

    cases.restore_case(case=case, auditor=auditor)

    assert "共上报1例溶栓个案" in row_of(signed_in.get(HOME), report)


def seed(report, n):
    ThrombolysisCase.objects.bulk_create(
        ThrombolysisCase(report=report, **{**IVT_CORE, "admission_no": f"T{i}"}) for i in range(n)
    )
    InterventionCase.objects.bulk_create(
        InterventionCase(report=report, **{**EVT_CORE, "admission_no": f"E{i}"}) for i in range(n)
    )


def queries_for_home(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)
    assert response.status_code == 200
    return len(queries), response


def test_the_list_takes_the_same_queries_for_10_or_1000_cases(signed_in, alice, report):
    earlier = old_report(alice.institution, report.data_year - 1)
    seed(report, 10)
    signed_in.get(HOME)  # warm the session
    few, _ = queries_for_home(signed_in)

    seed(earlier, 1000)
    many, response = queries_for_home(signed_in)

    assert many == few
    assert "共上报1000例溶栓个案，1000例介入个案" in row_of(response, earlier)


# 提交: §7.3 items 8–12 as warnings to confirm ----------------------------------------------------

# The cases below, counted (what the 总表 should say).
FROM_CASES = {
    "ivt_total": 2,
    "ivt_nihss_improved": 1,
    "ivt_mrs_0_2": 1,
    "ivt_alteplase": 1,
    "ivt_urokinase": 1,
    "evt_total": 2,
    "evt_direct": 1,
    "evt_bridging": 1,
    "evt_nihss_improved": 2,
    "evt_mrs_0_2": 1,
}


@pytest.fixture
def with_cases(report):
    make_ivt(report, admission_no="T1")  # 阿替普酶, NIHSS 10 → 4, mRS 2
    make_ivt(
        report, admission_no="T2", thrombolytic_drug="urokinase", nihss_discharge=9, mrs_discharge=3
    )
    make_evt(report, admission_no="E1", evt_mode="direct", mrs_discharge=1)
    make_evt(report, admission_no="E2")  # 桥接, NIHSS 16 → 8, mRS 3
    return report


def ready_with(report, user, **changes):
    """基本信息, a 总表 matching the cases but for ``changes`` (its own warnings confirmed)
    and a current 附件4: nothing stops 提交 but the 总表 ↔ case warnings."""
    values = required_only(**{**FROM_CASES, **changes})
    confirmed = [w.rule_id for w in validate_values(EDITION, values).warnings]
    saved = reports.save_survey(report, values, confirmed, user)
    add_scan(saved, user)
    return saved


def test_a_survey_matching_the_cases_submits_without_warnings(signed_in, alice, with_cases):
    ready_with(with_cases, alice)

    page = signed_in.get(url("report_submit", with_cases))

    assert "可以提交" in page.text and 'id="submit-warnings"' not in page.text


@pytest.mark.parametrize(
    ("item_no", "changes", "expected"),
    [
        ("8", {"ivt_total": 3}, ["ivt_total"]),
        ("8", {"evt_total": 3, "evt_bridging": 2}, ["evt_total", "evt_bridging"]),
        ("9", {"ivt_alteplase": 2, "ivt_urokinase": 0}, ["ivt_alteplase", "ivt_urokinase"]),
        ("9", {"ivt_tenecteplase": 1, "ivt_alteplase": 0}, ["ivt_alteplase", "ivt_tenecteplase"]),
        ("10", {"ivt_mrs_0_2": 2}, ["ivt_mrs_0_2"]),
        ("10", {"evt_mrs_0_2": 0}, ["evt_mrs_0_2"]),
        ("11", {"ivt_nihss_improved": 0}, ["ivt_nihss_improved"]),
        ("11", {"evt_nihss_improved": 1}, ["evt_nihss_improved"]),
        ("12", {"evt_direct": 0, "evt_bridging": 2}, ["evt_direct", "evt_bridging"]),
    ],
)
def test_each_difference_from_the_cases_is_a_warning_to_confirm_at_submission(
    signed_in, alice, with_cases, item_no, changes, expected
):
    ready_with(with_cases, alice, **changes)
    page = signed_in.get(url("report_submit", with_cases))
    assert page.context["problems"] == []
    ids = [warning.id for warning in page.context["check"].warnings]
    assert sorted(ids) == sorted(f"cases_{code}" for code in expected)
    for warning_id in ids:
        assert f'name="confirm" value="{warning_id}"' in page.text
    first = page.context["check"].warnings[0]
    assert "两者不一致" in first.message and first.message in page.text

    refused = signed_in.post(url("report_submit", with_cases), {"confirm": ids[1:]}, follow=True)
    assert "请逐条核对提示，确认无误后勾选，再提交。" in refused.text
    assert reports.report_of(alice, with_cases.public_id).status == ReportStatus.DRAFT

    signed_in.post(url("report_submit", with_cases), {"confirm": ids})
    assert reports.report_of(alice, with_cases.public_id).status == ReportStatus.SUBMITTED
    assert first.message in ReportTransition.objects.get(report=with_cases).reason


def test_a_deleted_case_changes_the_warnings(signed_in, alice, with_cases):
    ready_with(with_cases, alice)
    case = ThrombolysisCase.objects.get(admission_no="T2")
    cases.delete_case(case=case, user=alice)

    ids = [w.id for w in signed_in.get(url("report_submit", with_cases)).context["check"].warnings]

    assert ids == ["cases_ivt_total", "cases_ivt_urokinase"]
