"""状态记录 on the report page stays short: the warnings the hospital confirmed at a 提交 are
folded behind "提交时确认的提示（N条）", one item each, as the admin folds them."""

import re

import pytest
from django.urls import reverse

from surveys import reports
from surveys.models import ReportTransition, TransitionAction
from tests.surveys.test_reports import ready_report, set_window

CASE_WARNINGS = "casesets.totals.survey_case_warnings"  # called by submission_check
WARNINGS = [
    reports.SubmitWarning("cases_ivt_total", "溶栓个案数（3）与总表总例数（40）不一致。"),
    reports.SubmitWarning("cases_evt_total", "介入个案数不一致。请核对；如确无误，请确认。"),
    reports.SubmitWarning("cases_evt_direct", "单纯取栓个案数（0）与总表（6）不一致。"),
]  # fmt: skip


@pytest.fixture
def report(alice):
    set_window(reports.current_data_year())
    return ready_report(reports.open_current_report(alice), alice)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def three_warnings(monkeypatch):
    monkeypatch.setattr(CASE_WARNINGS, lambda report: list(WARNINGS))


def submit_confirming_all(report, user):
    confirmed = [warning.id for warning in reports.submission_check(report).warnings]
    return reports.submit(report, user, confirmed)


def status_history(client, report):
    text = client.get(reverse("surveys:report_detail", args=[report.public_id])).text
    return text[text.index('id="status-history"') :]


def test_the_confirmed_warnings_are_folded_with_their_count(
    signed_in, alice, report, three_warnings
):
    submit_confirming_all(report, alice)

    history = status_history(signed_in, report)

    folded = re.search(r'<details class="confirmed-warnings">(.*?)</details>', history, re.S)
    assert folded is not None
    assert "<summary>提交时确认的提示（3条）</summary>" in folded.group(1)
    items = re.findall(r"<li[^>]*>(.*?)</li>", folded.group(1), re.S)
    assert items == [warning.message for warning in WARNINGS]


def test_each_submission_has_its_own_fold(signed_in, alice, auditor, report, three_warnings):
    reports.return_report(submit_confirming_all(report, alice), auditor, "死亡例数请核对")
    submit_confirming_all(reports.report_of(alice, report.public_id), alice)

    history = status_history(signed_in, report)

    assert history.count("<summary>提交时确认的提示（3条）</summary>") == 2
    assert "死亡例数请核对" in history  # a return reason is shown as it is
    assert history.count("死亡例数请核对") == 1


def test_a_submission_without_warnings_has_no_fold(signed_in, alice, report, monkeypatch):
    monkeypatch.setattr(CASE_WARNINGS, lambda report: [])
    submit_confirming_all(report, alice)

    history = status_history(signed_in, report)

    assert "提交时确认的提示" not in history
    assert "未提交 → 已提交" in history


def test_the_warnings_are_kept_one_a_line(alice, report, three_warnings):
    submit_confirming_all(report, alice)

    transition = ReportTransition.objects.get(report=report)

    assert transition.reason == "\n".join(warning.message for warning in WARNINGS)
    assert transition.confirmed_warnings == [warning.message for warning in WARNINGS]


def test_warnings_kept_by_earlier_submissions_are_counted_too(alice, report):
    # Before one a line, the messages were joined with "；" (and may contain "；" themselves).
    transition = ReportTransition(
        report=report,
        action=TransitionAction.SUBMIT,
        reason="；".join(warning.message for warning in WARNINGS),
        user=alice,
    )

    assert transition.confirmed_warnings == [warning.message for warning in WARNINGS]


def test_other_actions_have_no_confirmed_warnings(alice, report):
    transition = ReportTransition(
        report=report, action=TransitionAction.RETURN, reason="请核对。；请补录。", user=alice
    )

    assert transition.confirmed_warnings == []
