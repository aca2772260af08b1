"""Cases in the auditors' admin: filters, search, read-only, 恢复 and the history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casesets import services
from casesets.models import ThrombolysisCase

from .helpers import make_evt, make_ivt

pytestmark = pytest.mark.django_db

IVT_LIST = reverse("admin:casesets_thrombolysiscase_changelist")
EVT_LIST = reverse("admin:casesets_interventioncase_changelist")


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def listed(report, report_b):
    make_ivt(report, admission_no="A-ALT")
    make_ivt(report, admission_no="A-URO", thrombolytic_drug="urokinase")
    make_ivt(report, admission_no="A-DEL", deleted_at=timezone.now())
    make_ivt(report_b, admission_no="B-ALT")
    make_evt(report, admission_no="A-EVT", evt_mode="direct")
    make_evt(report_b, admission_no="B-EVT")


def shown(response):
    return sorted(case.admission_no for case in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["A-ALT", "A-DEL", "A-URO", "B-ALT"]),
        ("?thrombolytic_drug=urokinase", ["A-URO"]),
        ("?deleted=yes", ["A-DEL"]),
        ("?deleted=no", ["A-ALT", "A-URO", "B-ALT"]),
        ("?province=440000", ["B-ALT"]),
        ("?report__data_year=2024", []),
        ("?q=A-", ["A-ALT", "A-DEL", "A-URO"]),
        ("?q=乙医院", ["B-ALT"]),
    ],
)
def test_thrombolysis_cases_are_filtered_and_searched(auditor_client, listed, query, expected):
    assert shown(auditor_client.get(IVT_LIST + query)) == expected


def test_intervention_cases_filter_by_mode(auditor_client, listed):
    assert shown(auditor_client.get(EVT_LIST + "?evt_mode=direct")) == ["A-EVT"]
    assert shown(auditor_client.get(EVT_LIST + "?province=110000")) == ["A-EVT"]


def queries_for_list(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(IVT_LIST)
    assert response.status_code == 200
    return len(queries)


def test_the_list_takes_the_same_queries_for_more_cases(auditor_client, report):
    make_ivt(report, admission_no="N-first")
    auditor_client.get(IVT_LIST)  # warm the caches (content types, session)
    few = queries_for_list(auditor_client)
    for i in range(30):
        make_ivt(report, admission_no=f"N{i}")
    # 14: 12, and the auditor's permissions (their own and the 审核员 group's), once a request.
    assert queries_for_list(auditor_client) == few <= 14


def test_auditors_read_but_do_not_edit(auditor_client, report):
    case = make_ivt(report)
    url = reverse("admin:casesets_thrombolysiscase_change", args=[case.pk])
    page = auditor_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    auditor_client.post(url, {"admission_no": "CHANGED"})
    case.refresh_from_db()
    assert case.admission_no == "ZY2025-001"
    assert auditor_client.get(reverse("admin:casesets_thrombolysiscase_add")).status_code == 403


def test_restore_action_calls_the_service(auditor_client, report, alice, auditor):
    case = services.delete_case(case=make_ivt(report), user=alice)
    response = auditor_client.post(
        IVT_LIST,
        {"action": "restore_selected", "_selected_action": [case.pk]},
        follow=True,
    )
    assert "已恢复 1 例。" in response.text
    case.refresh_from_db()
    assert not case.is_deleted
    assert case.history.first().history_user == auditor


def test_restore_refusals_are_reported(auditor_client, report, alice):
    case = services.delete_case(case=make_ivt(report), user=alice)
    make_evt(report, admission_no=case.admission_no)
    response = auditor_client.post(
        IVT_LIST, {"action": "restore_selected", "_selected_action": [case.pk]}, follow=True
    )
    assert "已登记在本报告的血管内介入治疗个案中" in response.text
    assert ThrombolysisCase.objects.get(pk=case.pk).is_deleted


def test_auditors_see_the_history_of_a_case(auditor_client, report, alice):
    case = services.add_case(
        report=report,
        case=ThrombolysisCase(
            report=report,
            admission_no="H1",
            nihss_pre=3,
            nihss_discharge=1,
            mrs_discharge=0,
            thrombolytic_drug="alteplase",
        ),
        user=alice,
    )
    page = auditor_client.get(reverse("admin:casesets_thrombolysiscase_history", args=[case.pk]))
    assert page.status_code == 200
    assert "爱丽丝" in page.text


def test_hospital_users_get_the_admin_login(client, alice):
    client.force_login(alice)
    response = client.get(IVT_LIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# A report's cases on its read-only admin page, and the list of one report's cases ----------


def report_page(client, report):
    return client.get(reverse("admin:surveys_report_change", args=[report.pk]))


def test_the_report_page_shows_both_case_lists(auditor_client, report, report_b):
    for i in range(12):
        make_ivt(report, admission_no=f"A{i:02d}")
    make_ivt(report, admission_no="A-DEL", deleted_at=timezone.now())
    make_ivt(report_b, admission_no="B-ONLY")
    make_evt(report, admission_no="A-EVT", evt_mode="direct")

    page = report_page(auditor_client, report)

    ivt, evt = page.context["case_lists"]
    assert (ivt["count"], ivt["deleted"], len(ivt["rows"])) == (12, 1, 10)
    assert (evt["count"], evt["deleted"], len(evt["rows"])) == (1, 0, 1)
    section = page.text[page.text.index('id="report-thrombolysiscase"') :]
    section = section[: section.index("</fieldset>")]
    assert "共12例（另有已删除1例，可在个案列表中恢复）；下表为前10例。" in section
    assert "A09" in section and "A10" not in section and "B-ONLY" not in section
    assert f"{IVT_LIST}?report={report.pk}&amp;deleted=yes" in section
    assert "单纯取栓" in page.text and f"{EVT_LIST}?report={report.pk}" in page.text


def test_the_report_page_shows_the_other_drug_by_name(auditor_client, report):
    make_ivt(report, thrombolytic_drug="other", thrombolytic_drug_other="链激酶")
    assert "其他（链激酶）" in report_page(auditor_client, report).text


def test_a_report_without_cases_says_so(auditor_client, report):
    page = report_page(auditor_client, report)
    assert page.text.count("医院尚未登记此类个案。") == 2
    assert "共0例。" in page.text


def test_the_report_page_takes_the_same_queries_for_more_cases(auditor_client, report):
    make_ivt(report, admission_no="first")
    report_page(auditor_client, report)  # warm the caches
    with CaptureQueriesContext(connection) as few:
        report_page(auditor_client, report)
    for i in range(30):
        make_ivt(report, admission_no=f"N{i}")
        make_evt(report, admission_no=f"E{i}")
    with CaptureQueriesContext(connection) as many:
        report_page(auditor_client, report)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?report={a}", ["A-ALT", "A-DEL", "A-URO"]),
        ("?report={a}&deleted=yes", ["A-DEL"]),
        ("?report={b}", ["B-ALT"]),
        ("?report=999999", []),
        ("?report=abc", []),
    ],
)
def test_the_list_of_one_reports_cases(auditor_client, report, report_b, listed, query, expected):
    response = auditor_client.get(IVT_LIST + query.format(a=report.pk, b=report_b.pk))
    assert shown(response) == expected


def test_the_report_filter_names_the_report(auditor_client, report, listed):
    page = auditor_client.get(f"{IVT_LIST}?report={report.pk}")
    assert f"{report.institution.name} {report.data_year}年度" in page.text


def test_a_deleted_case_is_restored_from_the_reports_list(auditor_client, report, alice):
    case = services.delete_case(case=make_ivt(report, admission_no="R1"), user=alice)
    deleted_list = f"{IVT_LIST}?report={report.pk}&deleted=yes"
    assert shown(auditor_client.get(deleted_list)) == ["R1"]

    auditor_client.post(deleted_list, {"action": "restore_selected", "_selected_action": [case.pk]})

    assert shown(auditor_client.get(deleted_list)) == []
    ivt, _evt = report_page(auditor_client, report).context["case_lists"]
    assert (ivt["count"], ivt["deleted"]) == (1, 0)
