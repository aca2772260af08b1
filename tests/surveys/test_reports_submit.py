"""提交 and 删除 of an annual report (SPEC §3.8), and who may reach the report pages."""

import pytest
from django.urls import reverse

from surveys import reports
from surveys.models import BasicInfo, Report, ReportStatus, ReportTransition
from tests.surveys.helpers import required_only
from tests.surveys.test_basic_info import make_basic_info
from tests.surveys.test_reports import (
    add_scan,
    close_window,
    ready_report,
    set_window,
    submit_ready,
    url,
)

HOME = reverse("surveys:home")
REPORT_PAGES = ("report_detail", "report_survey", "report_history", "report_submit",
                "report_delete")  # fmt: skip


@pytest.fixture
def window(db):
    set_window(reports.current_data_year())


@pytest.fixture
def report(alice, window):
    return reports.open_current_report(alice)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def status_of(report):
    return Report.objects.get(pk=report.pk).status


# 提交 ---------------------------------------------------------------------------------------


def test_the_checklist_lists_each_missing_part_with_where_to_fix_it(signed_in, report):
    response = signed_in.get(url("report_submit", report))

    problems = dict(response.context["problems"])
    assert problems == {
        "请先在“脑血管病登记”页面填写并保存本单位的基本信息。": reverse("surveys:basic_info"),
        "总表尚未填写，请先在线填写调查表并保存。": url("report_survey", report),
        "请先上传附件4（扫描版）：打印附件4，由主管院领导签字并加盖医院公章后扫描上传。": url(
            "attachment4_scan", report
        ),
    }
    assert "以下各项完成后才能提交" in response.text
    assert 'type="submit"' not in response.text.split('id="submit-problems"')[1]


def test_the_checklist_names_a_stale_scan(signed_in, alice, report):
    ready = ready_report(report, alice)
    reports.save_survey(ready, required_only(ci_deaths=11), [], alice)

    problems = signed_in.get(url("report_submit", report)).context["problems"]

    [(message, link)] = problems
    assert message.startswith("总表在上传附件4之后有修改，附件4已过期")
    assert link == url("attachment4_scan", report)


def test_the_checklist_names_incomplete_basic_info(signed_in, alice, report):
    ready = ready_report(report, alice)
    BasicInfo.objects.update(director_email="")

    problems = signed_in.get(url("report_submit", ready)).context["problems"]

    assert problems == [
        ("本单位的基本信息不完整或有误，请先修改基本信息。", reverse("surveys:basic_info"))
    ]


def test_submitting_a_complete_report(signed_in, alice, report, no_case_warnings):
    ready = ready_report(report, alice)
    assert "可以提交" in signed_in.get(url("report_submit", ready)).text

    response = signed_in.post(url("report_submit", ready), follow=True)

    assert response.redirect_chain[-1][0] == url("report_detail", report)
    assert "已提交" in response.text
    assert status_of(report) == ReportStatus.SUBMITTED
    assert ReportTransition.objects.get(report=report).user == alice


def test_a_refused_submission_changes_nothing(signed_in, report):
    response = signed_in.post(url("report_submit", report), follow=True)

    assert "请先在“脑血管病登记”页面填写并保存本单位的基本信息。" in response.text
    assert status_of(report) == ReportStatus.DRAFT
    assert not ReportTransition.objects.exists()


CASE_WARNINGS = "casesets.totals.survey_case_warnings"  # called by submission_check


@pytest.fixture
def no_case_warnings(monkeypatch):
    monkeypatch.setattr(CASE_WARNINGS, lambda report: [])


@pytest.fixture
def case_warning(monkeypatch):
    """One warning of the 总表 ↔ case checks."""
    warning = reports.SubmitWarning(
        "ivt_cases", "溶栓个案数（3）与总表单纯静脉溶栓总例数（40）不一致。"
    )
    monkeypatch.setattr(CASE_WARNINGS, lambda report: [warning])
    return warning


def test_case_warnings_must_be_confirmed(signed_in, alice, report, case_warning):
    ready = ready_report(report, alice)
    page = signed_in.get(url("report_submit", ready))
    assert case_warning.message in page.text
    assert 'name="confirm" value="ivt_cases"' in page.text

    refused = signed_in.post(url("report_submit", ready), follow=True)
    assert "请逐条核对提示" in refused.text
    assert status_of(report) == ReportStatus.DRAFT

    signed_in.post(url("report_submit", ready), {"confirm": ["ivt_cases"]})
    assert status_of(report) == ReportStatus.SUBMITTED
    assert ReportTransition.objects.get().reason == case_warning.message


def test_a_returned_report_can_be_submitted_again(
    signed_in, alice, auditor, report, no_case_warnings
):
    submitted = submit_ready(report, alice)
    reports.return_report(submitted, auditor, "请核对")

    signed_in.post(url("report_submit", report))

    assert status_of(report) == ReportStatus.SUBMITTED


def lock(report, alice, auditor, state):
    if state == "closed":
        ready_report(report, alice)
        close_window(report.data_year)
        return "已经截止"
    submitted = submit_ready(report, alice)
    if state == "approved":
        reports.approve_report(submitted, auditor)
        return "已审核通过"
    return "本报告已提交"


@pytest.mark.parametrize("state", ["submitted", "approved", "closed"])
def test_a_locked_report_refuses_submit(signed_in, alice, auditor, report, state):
    reason = lock(report, alice, auditor, state)
    before = (status_of(report), ReportTransition.objects.count())

    shown = signed_in.get(url("report_submit", report), follow=True)
    posted = signed_in.post(url("report_submit", report), follow=True)

    assert shown.redirect_chain[-1][0] == url("report_detail", report)
    assert reason in shown.text and reason in posted.text
    assert (status_of(report), ReportTransition.objects.count()) == before


# 删除 ---------------------------------------------------------------------------------------


def test_delete_asks_first(signed_in, report):
    response = signed_in.get(url("report_delete", report))

    assert f"确定要删除“{report.data_year}年度医疗机构脑血管病诊疗情况”吗？" in response.text
    assert Report.objects.alive().exists()


def test_deleting_a_draft(signed_in, alice, report):
    make_basic_info(alice)

    response = signed_in.post(url("report_delete", report), follow=True)

    assert response.redirect_chain[-1][0] == HOME
    assert "已删除" in response.text
    assert response.context["rows"] == []
    deleted = Report.objects.get(pk=report.pk)
    assert deleted.is_deleted and deleted.deleted_by == alice


def test_a_returned_report_cannot_be_deleted(signed_in, alice, auditor, report):
    reports.return_report(submit_ready(report, alice), auditor, "请核对")

    response = signed_in.post(url("report_delete", report), follow=True)

    assert "只有未提交过的报告可以删除" in response.text
    assert not Report.objects.get(pk=report.pk).is_deleted


@pytest.mark.parametrize("state", ["submitted", "approved", "closed"])
def test_a_locked_report_refuses_delete(signed_in, alice, auditor, report, state):
    reason = lock(report, alice, auditor, state)

    shown = signed_in.get(url("report_delete", report), follow=True)
    posted = signed_in.post(url("report_delete", report), follow=True)

    assert shown.redirect_chain[-1][0] == url("report_detail", report)
    assert reason in shown.text and reason in posted.text
    assert not Report.objects.get(pk=report.pk).is_deleted


# Who reaches the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_another_institution_gets_404(client, alice, bob, report, name):
    add_scan(report, alice)
    client.force_login(bob)

    statuses = {client.get(url(name, report)).status_code,
                client.post(url(name, report)).status_code}  # fmt: skip

    assert statuses == {404}
    assert Report.objects.get(pk=report.pk).is_deleted is False


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_a_deleted_report_is_gone(signed_in, alice, report, name):
    reports.delete_report(report, alice)

    assert signed_in.get(url(name, report)).status_code == 404


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_a_newcomer_is_asked_to_verify(client, newcomer, report, name):
    client.force_login(newcomer)

    for response in (client.get(url(name, report)), client.post(url(name, report))):
        assert response.status_code == 403
        assert "请先完成个人身份认证" in response.text
    assert status_of(report) == ReportStatus.DRAFT


def test_a_newcomer_cannot_open_a_report(client, newcomer, window):
    client.force_login(newcomer)

    response = client.post(reverse("surveys:open_report"))

    assert response.status_code == 403 and "请先完成个人身份认证" in response.text
    assert not Report.objects.exists()


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_an_auditor_gets_403(client, auditor, report, name):
    client.force_login(auditor)

    assert client.get(url(name, report)).status_code == 403
    assert client.post(url(name, report)).status_code == 403
    assert status_of(report) == ReportStatus.DRAFT


def test_an_auditor_cannot_use_the_hospital_home(client, auditor):
    client.force_login(auditor)

    assert client.get(HOME).status_code == 403
    assert client.post(reverse("surveys:open_report")).status_code == 403


def test_anonymous_visitors_go_to_login(client, report):
    response = client.get(url("report_detail", report))

    assert response.status_code == 302 and "/accounts/login/" in response.url
