"""退回后的修改 (issue 22 item 3): when a returned report is submitted again, the auditor and
the hospital see it against the version that was returned — the 总表 items old → new, the
case counts then and now, and the cases added, changed (field by field) and removed, by
住院号 — in a number of queries that does not grow with the cases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from casesets import services
from casesets.changes import CASES_LISTED, CaseChange, changes_since_return
from casesets.models import InterventionCase, ThrombolysisCase
from surveys import reports
from surveys.basic_info import FieldChange
from surveys.models import ReportStatus
from tests.casesets.helpers import evt_core, ivt_core
from tests.surveys.helpers import required_only
from tests.surveys.test_basic_info import make_basic_info
from tests.surveys.test_reports import add_scan

IVT_NOS = ("ZY-1", "ZY-2", "ZY-3")


def add_ivt(report, user, admission_no, **changes):
    case = ThrombolysisCase(**ivt_core(admission_no=admission_no, **changes))
    return services.add_case(report=report, case=case, user=user)


def add_evt(report, user, admission_no, **changes):
    case = InterventionCase(**evt_core(admission_no=admission_no, **changes))
    return services.add_case(report=report, case=case, user=user)


def ivt(report, admission_no):
    return ThrombolysisCase.objects.of_report(report).get(admission_no=admission_no)


def submit(report, user):
    """提交 with a scan of the current 总表, confirming what the check asks to confirm."""
    report = reports.report_of(user, report.public_id)
    if report.scans.current().exclude(survey_version=report.survey_version).exists():
        report.scans.current().update(replaced_at=timezone.now())  # a new upload replaces
    if not report.scans.current().exists():
        add_scan(report, user)
    confirmed = [warning.id for warning in reports.submission_check(report).warnings]
    return reports.submit(report, user, confirmed)


@pytest.fixture
def submitted(report, alice):
    """alice's report with its 总表, three 溶栓 cases and one 介入 case, submitted."""
    make_basic_info(alice)
    reports.save_survey(report, required_only(), [], alice)
    for number in IVT_NOS:
        add_ivt(report, alice, number)
    add_evt(report, alice, "JR-1")
    return submit(report, alice)


@pytest.fixture
def returned(submitted, auditor):
    return reports.return_report(submitted, auditor, "请核对脑梗死出院例数和溶栓个案")


def edit_after_return(report, user):
    """What the hospital does after the 退回: two 总表 items, and in 附件3 one case added,
    one changed, one removed and one saved without a change."""
    values = {**report.values, "ci_discharges": 410, "beds_total": 1200}
    reports.save_survey(report, values, report.confirmed_warnings, user)
    add_ivt(report, user, "ZY-4")
    changed = ivt(report, "ZY-1")
    changed.nihss_pre, changed.thrombolytic_drug = 12, "urokinase"
    services.update_case(case=changed, user=user)
    services.delete_case(case=ivt(report, "ZY-2"), user=user)
    services.update_case(case=ivt(report, "ZY-3"), user=user)


@pytest.fixture
def resubmitted(returned, alice):
    edit_after_return(returned, alice)
    return submit(returned, alice)


def detail(client, report, tab="changes"):
    return client.get(reverse("surveys:report_detail", args=[report.public_id]), {"tab": tab})


def admin_page(client, report):
    return client.get(reverse("admin:surveys_report_change", args=[report.pk]))


# The comparison ------------------------------------------------------------------------------


def test_the_changed_survey_items_old_and_new_in_the_editions_order(resubmitted):
    changes = changes_since_return(resubmitted)

    assert changes.survey == [
        FieldChange("第一诊断脑梗死 出院总例数", "400 例", "410 例"),
        FieldChange("实际开放床位数", "未填", "1200 张"),
    ]


def test_the_cases_added_changed_and_removed_by_admission_no(resubmitted):
    thrombolysis, intervention = changes_since_return(resubmitted).cases

    assert (thrombolysis.count_then, thrombolysis.count_now) == (3, 3)
    assert thrombolysis.added == [CaseChange("ZY-4")]
    assert thrombolysis.changed == [
        CaseChange(
            "ZY-1",
            [
                FieldChange("治疗前NIHSS评分", "10", "12"),
                FieldChange("溶栓药", "阿替普酶", "尿激酶"),
            ],
        )
    ]
    assert thrombolysis.removed == [CaseChange("ZY-2")]
    assert (intervention.count_then, intervention.count_now, intervention.any) == (1, 1, False)


def test_it_compares_with_the_latest_return(resubmitted, auditor, alice):
    again = reports.return_report(resubmitted, auditor, "再次核对")
    services.delete_case(case=ivt(again, "ZY-4"), user=alice)

    changes = changes_since_return(again)

    assert changes.returned.reason == "再次核对"
    assert changes.survey == []
    thrombolysis = changes.cases[0]
    assert (thrombolysis.count_then, thrombolysis.count_now) == (3, 2)
    assert (thrombolysis.added, thrombolysis.changed) == ([], [])
    assert thrombolysis.removed == [CaseChange("ZY-4")]


def test_a_case_added_and_removed_since_the_return_is_not_listed(returned, alice):
    services.delete_case(case=add_ivt(returned, alice, "ZY-9"), user=alice)

    changes = changes_since_return(returned)

    assert changes.nothing


def test_a_case_imported_before_the_return_and_changed_since_is_changed_without_values(
    report, alice, auditor
):
    # An Excel import keeps no history row per case (excel_templates.services.store_cases).
    ThrombolysisCase.objects.bulk_create(
        [ThrombolysisCase(report=report, **ivt_core(admission_no=n)) for n in ("IM-1", "IM-2")]
    )
    make_basic_info(alice)
    reports.save_survey(report, required_only(), [], alice)
    returned = reports.return_report(submit(report, alice), auditor, "请核对")
    case = ivt(returned, "IM-1")
    case.mrs_discharge = 3
    services.update_case(case=case, user=alice)

    thrombolysis = changes_since_return(returned).cases[0]

    assert thrombolysis.changed == [CaseChange("IM-1", before_unknown=True)]
    assert (thrombolysis.added, thrombolysis.removed) == ([], [])
    assert (thrombolysis.count_then, thrombolysis.count_now) == (2, 2)


def test_long_lists_are_cut_and_counted(returned, alice):
    ThrombolysisCase.objects.bulk_create(
        [
            ThrombolysisCase(report=returned, **ivt_core(admission_no=f"NEW-{i:03}"))
            for i in range(CASES_LISTED + 5)
        ]
    )

    thrombolysis = changes_since_return(returned).cases[0]

    assert thrombolysis.added_count == CASES_LISTED + 5
    assert len(thrombolysis.added) == CASES_LISTED
    assert thrombolysis.added_unlisted == 5
    assert thrombolysis.count_now == len(IVT_NOS) + CASES_LISTED + 5


def test_a_report_never_returned_has_no_comparison(submitted):
    assert changes_since_return(submitted) is None


def test_a_report_never_submitted_asks_nothing(report, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert changes_since_return(report) is None


# Queries -------------------------------------------------------------------------------------


def seed_and_return(report, alice, auditor, n):
    """``n`` 溶栓 and ``n`` 介入 cases (with their history, as 绑定 makes them), submitted and
    returned; then a tenth of each attachment changed, removed and added."""
    for model, values, prefix in (
        (ThrombolysisCase, ivt_core, "T"),
        (InterventionCase, evt_core, "E"),
    ):
        cases = [model(report=report, **values(admission_no=f"{prefix}{i:04}")) for i in range(n)]
        for case in cases:
            case.compute_intervals()
        bulk_create_with_history(cases, model, default_user=alice)
    make_basic_info(alice)
    reports.save_survey(report, required_only(), [], alice)
    returned = reports.return_report(submit(report, alice), auditor, "请核对")
    for model in (ThrombolysisCase, InterventionCase):
        live = list(model.objects.of_report(returned).order_by("id")[: n // 5])
        for case in live[: n // 10]:
            case.nihss_pre += 1
            services.update_case(case=case, user=alice)
        for case in live[n // 10 :]:
            services.delete_case(case=case, user=alice)
    for i in range(n // 10):
        add_ivt(returned, alice, f"N{i:04}")
    return returned


def queries_of_changes(report):
    with CaptureQueriesContext(connection) as captured:
        changes = changes_since_return(report)
    return len(captured), changes


def test_the_queries_do_not_grow_with_the_cases(report, alice, auditor, report_b, bob):
    # report_b: the same year of another institution, for the second, larger run.
    small_count, small = queries_of_changes(seed_and_return(report, alice, auditor, 10))
    large_count, large = queries_of_changes(seed_and_return(report_b, bob, auditor, 300))

    assert small.cases[0].changed_count == 1
    assert (large.cases[0].changed_count, large.cases[0].removed_count) == (30, 30)
    assert large.cases[0].added_count == 30
    assert large.cases[1].count_then - large.cases[1].count_now == 30
    assert large_count == small_count
    # The 退回, the 总表 then; per attachment the count, the cases saved since, their history.
    assert small_count == 8


# The pages -----------------------------------------------------------------------------------


def test_the_hospital_sees_the_changes_in_their_tab(client, alice, resubmitted):
    client.force_login(alice)

    text = detail(client, resubmitted).text

    section = text[text.index('id="return-changes"') :]
    assert "与退回时相比的修改" in section
    assert "请核对脑梗死出院例数和溶栓个案" in section
    assert "总表：修改 2 项" in section
    assert "第一诊断脑梗死 出院总例数" in section
    assert "附件3 单纯静脉溶栓个案：新增 1 例、修改 1 例、删除 1 例" in section
    assert "病例数：退回时 3 例，现在 3 例。" in section
    assert "ZY-4" in section and "ZY-2" in section
    assert "附件2 血管内介入治疗个案：没有修改" in section


def test_the_tab_is_listed_once_the_report_was_returned(client, alice, returned):
    client.force_login(alice)

    tabs = detail(client, returned, tab="survey").context["tabs"]

    assert [tab["key"] for tab in tabs][-1] == "changes"


def test_while_returned_the_hospital_sees_the_changes_so_far(client, alice, returned):
    client.force_login(alice)

    response = detail(client, returned)

    assert "退回后的修改（至今）" in response.text
    assert "退回后没有修改。" in response.text


def test_no_tab_for_a_report_never_returned(client, alice, submitted):
    client.force_login(alice)

    response = detail(client, submitted)

    assert [tab["key"] for tab in response.context["tabs"]] == [
        "survey",
        "thrombolysis",
        "intervention",
    ]
    assert 'id="return-changes"' not in response.text  # ?tab=changes shows the 总表


def test_another_institution_gets_404(client, bob, resubmitted):
    client.force_login(bob)

    assert detail(client, resubmitted).status_code == 404


def test_the_auditor_sees_the_changes_on_the_report_page(client, auditor, resubmitted):
    client.force_login(auditor)

    text = admin_page(client, resubmitted).text

    section = text[text.index('id="report-return-changes"') : text.index('id="report-basic-info"')]
    assert "与退回时相比的修改" in section
    assert "总表：修改 2 项" in section
    assert "附件3 单纯静脉溶栓个案：新增 1 例、修改 1 例、删除 1 例" in section
    assert "治疗前NIHSS评分" in section and "尿激酶" in section


def test_the_auditor_sees_no_section_before_the_report_comes_back(client, auditor, returned):
    client.force_login(auditor)

    assert returned.status == ReportStatus.RETURNED
    assert 'id="report-return-changes"' not in admin_page(client, returned).text


def test_the_auditor_sees_no_section_for_a_report_never_returned(client, auditor, submitted):
    client.force_login(auditor)

    assert 'id="report-return-changes"' not in admin_page(client, submitted).text
