"""The annual report's services: reporting window, locks, the state machine (SPEC §3.8)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys import reports
from surveys.models import (
    Report,
    ReportingWindow,
    ReportScan,
    ReportStatus,
    ReportTransition,
    WindowExtension,
)
from tests.surveys.helpers import EDITION, required_only
from tests.surveys.test_basic_info import make_basic_info

TODAY = datetime.date(2026, 2, 15)


@pytest.fixture
def on_day(monkeypatch):
    """Pretend today is ``day`` (Asia/Shanghai) for the reporting window."""

    def set_day(day):
        monkeypatch.setattr(reports, "today", lambda: day)

    set_day(TODAY)
    return set_day


@pytest.fixture
def report(alice, on_day):
    return reports.open_current_report(alice)


def ready_to_submit(report, user):
    """基本信息, a valid 总表 and an 附件4 scan of the current version."""
    make_basic_info(user)
    report = reports.save_survey(report, required_only(), [], user)
    ReportScan.objects.create(
        report=report,
        file=SimpleUploadedFile("scan.png", b"png"),
        kind="png",
        size=3,
        sha256="0" * 64,
        survey_version=report.survey_version,
        uploaded_by=user,
    )
    return report


def submit(report, user):
    """提交, confirming whatever the 总表 ↔ case checks ask (no cases here)."""
    confirmed = [warning.id for warning in reports.submission_check(report).warnings]
    return reports.submit(report, user, confirmed)


# Reporting window ----------------------------------------------------------------------------


def test_the_default_window_is_february_and_march_of_the_next_year(db):
    assert reports.window_for(2025) == (datetime.date(2026, 2, 1), datetime.date(2026, 3, 31))


def test_the_current_data_year_is_last_year():
    assert reports.current_data_year(datetime.date(2026, 11, 28)) == 2025


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        (datetime.date(2026, 1, 31), False),
        (datetime.date(2026, 2, 1), True),
        (datetime.date(2026, 3, 31), True),
        (datetime.date(2026, 4, 1), False),
    ],
)
def test_the_window_includes_its_first_and_last_day(institution_a, on_day, day, is_open):
    on_day(day)
    assert reports.reporting_access(institution_a.pk, 2025).is_open is is_open


def test_an_auditor_can_move_the_window(institution_a, on_day):
    ReportingWindow.objects.create(
        data_year=2025, opens_on=datetime.date(2026, 3, 1), closes_on=datetime.date(2026, 5, 31)
    )
    on_day(datetime.date(2026, 2, 15))
    assert not reports.reporting_access(institution_a.pk, 2025).is_open
    on_day(datetime.date(2026, 5, 31))
    assert reports.reporting_access(institution_a.pk, 2025).is_open


def test_an_extension_opens_the_year_for_one_institution_only(institution_a, institution_b, on_day):
    WindowExtension.objects.create(
        institution=institution_a, data_year=2025, until=datetime.date(2026, 4, 30)
    )
    on_day(datetime.date(2026, 4, 30))
    access = reports.reporting_access(institution_a.pk, 2025)
    assert access.is_open and access.until == datetime.date(2026, 4, 30)
    assert not reports.reporting_access(institution_b.pk, 2025).is_open


def test_a_closed_window_says_why_until_when_and_who_can_reopen(institution_a, on_day):
    on_day(datetime.date(2026, 4, 1))
    message = reports.reporting_access(institution_a.pk, 2025).message(2025)
    assert "2026年2月1日至2026年3月31日" in message
    assert "已经截止" in message
    assert "审核员" in message and "延期" in message


def test_a_window_not_yet_open_says_so(institution_a, on_day):
    on_day(datetime.date(2026, 1, 20))
    assert "尚未开始" in reports.reporting_access(institution_a.pk, 2025).message(2025)


# Opening and editing -------------------------------------------------------------------------


def test_the_current_report_is_created_once(alice, on_day):
    first = reports.open_current_report(alice)
    second = reports.open_current_report(alice)
    assert first.pk == second.pk
    assert (first.data_year, first.edition, first.status) == (2025, EDITION.id, "draft")
    assert Report.objects.count() == 1


def test_no_report_is_created_outside_the_window(alice, on_day):
    on_day(datetime.date(2026, 6, 1))
    with pytest.raises(reports.ReportError, match="已经截止"):
        reports.open_current_report(alice)
    assert not Report.objects.exists()


def test_one_live_report_per_institution_and_year(report, alice):
    with pytest.raises(IntegrityError):
        Report.objects.create(
            institution=alice.institution,
            data_year=report.data_year,
            edition=EDITION.id,
            status_changed_at=timezone.now(),
        )


def test_saving_a_changed_survey_makes_a_new_version(report, alice):
    saved = reports.save_survey(report, required_only(), [], alice)
    assert saved.survey_version == 1
    assert saved.survey_saved_by == alice
    again = reports.save_survey(saved, required_only(), [], alice)
    assert again.survey_version == 1
    changed = reports.save_survey(again, required_only(ci_deaths=11), [], alice)
    assert changed.survey_version == 2
    assert changed.history.count() == 3  # created, first save, change


def test_a_closed_window_makes_the_report_read_only(report, alice, on_day):
    on_day(datetime.date(2026, 4, 1))
    assert "已经截止" in reports.lock_reason(report)
    with pytest.raises(reports.ReportError):
        reports.save_survey(report, required_only(), [], alice)
    report.refresh_from_db()
    assert report.values == {}


# Deleting ------------------------------------------------------------------------------------


def test_deleting_hides_the_report_and_logs_it(report, alice, auditor):
    reports.delete_report(report, alice)
    assert not Report.objects.of_institution(alice.institution_id).exists()
    assert Report.objects.get(pk=report.pk).deleted_by == alice
    assert report.transitions.get().action == "delete"

    reports.restore_report(report, auditor)
    assert Report.objects.of_institution(alice.institution_id).get().pk == report.pk
    assert list(report.transitions.values_list("action", flat=True)) == ["delete", "restore"]


def test_a_deleted_year_can_be_reported_anew_and_then_not_restored(report, alice, auditor):
    reports.delete_report(report, alice)
    fresh = reports.open_current_report(alice)
    assert fresh.pk != report.pk
    with pytest.raises(reports.ReportError, match="已有一份报告"):
        reports.restore_report(report, auditor)


def test_a_submitted_report_cannot_be_deleted(report, alice):
    report = submit(ready_to_submit(report, alice), alice)
    with pytest.raises(reports.ReportError, match="已提交"):
        reports.delete_report(report, alice)


def test_a_returned_report_cannot_be_deleted(report, alice, auditor):
    report = submit(ready_to_submit(report, alice), alice)
    report = reports.return_report(report, auditor, "请核对死亡例数")
    with pytest.raises(reports.ReportError, match="只有未提交"):
        reports.delete_report(report, alice)


# Submission ----------------------------------------------------------------------------------


def test_submission_lists_everything_missing(report):
    check = reports.submission_check(report)
    assert not check.can_submit
    text = "".join(check.errors)
    assert "基本信息" in text and "总表尚未填写" in text and "附件4" in text


def test_an_invalid_survey_blocks_submission(report, alice):
    ready = ready_to_submit(report, alice)
    Report.objects.filter(pk=ready.pk).update(values=required_only(ci_deaths=999))
    ready.refresh_from_db()
    assert any("总表有1项" in error for error in reports.submission_check(ready).errors)


def test_unconfirmed_survey_warnings_block_submission(report, alice):
    ready = ready_to_submit(report, alice)
    # 神经科总数 below the sum of the four diagnoses: a warning (§7.3-2), not confirmed.
    Report.objects.filter(pk=ready.pk).update(values=required_only(neuro_discharges_total=500))
    ready.refresh_from_db()
    assert any("尚未确认" in error for error in reports.submission_check(ready).errors)
    Report.objects.filter(pk=ready.pk).update(confirmed_warnings=["discharges_within_neuro_total"])
    ready.refresh_from_db()
    assert reports.submission_check(ready).can_submit


def test_a_stale_scan_blocks_submission(report, alice):
    ready = ready_to_submit(report, alice)
    changed = reports.save_survey(ready, required_only(ci_deaths=11), [], alice)
    assert any("附件4已过期" in error for error in reports.submission_check(changed).errors)


def test_submitting_snapshots_the_basic_info_and_logs_the_change(report, alice):
    submitted = submit(ready_to_submit(report, alice), alice)
    assert submitted.status == ReportStatus.SUBMITTED
    assert ["医院全称", "甲医院"] in submitted.basic_info_snapshot
    # The snapshot is display text: mobiles kept masked (security checklist 8.2).
    assert ["医院负责人手机号", "138****8000"] in submitted.basic_info_snapshot
    transition = submitted.transitions.get()
    assert (transition.from_status, transition.to_status, transition.user) == (
        "draft",
        "submitted",
        alice,
    )
    assert reports.lock_reason(submitted).startswith("本报告已提交")
    with pytest.raises(reports.ReportError):
        reports.save_survey(submitted, required_only(ci_deaths=11), [], alice)


def test_return_resubmit_and_approve(report, alice, auditor):
    submitted = submit(ready_to_submit(report, alice), alice)
    with pytest.raises(reports.ReportError, match="退回原因"):
        reports.return_report(submitted, auditor, "  ")
    returned = reports.return_report(submitted, auditor, "死亡例数偏高，请核对")
    assert returned.status == ReportStatus.RETURNED
    assert returned.return_reason == "死亡例数偏高，请核对"
    assert reports.lock_reason(returned) is None

    with pytest.raises(reports.ReportError, match="只能审核"):
        reports.approve_report(returned, auditor)
    resubmitted = submit(returned, alice)
    approved = reports.approve_report(resubmitted, auditor)
    assert approved.status == ReportStatus.APPROVED
    assert "审核通过" in reports.lock_reason(approved)
    assert list(
        ReportTransition.objects.filter(report=report).values_list("action", "user__username")
    ) == [
        ("submit", alice.username),
        ("return", auditor.username),
        ("submit", alice.username),
        ("approve", auditor.username),
    ]


def test_an_approved_report_cannot_be_returned(report, alice, auditor):
    approved = reports.approve_report(submit(ready_to_submit(report, alice), alice), auditor)
    with pytest.raises(reports.ReportError, match="已审核"):
        reports.return_report(approved, auditor, "再看看")


def test_submission_outside_the_window_is_refused(report, alice, on_day):
    ready = ready_to_submit(report, alice)
    on_day(datetime.date(2026, 4, 1))
    with pytest.raises(reports.ReportError, match="已经截止"):
        submit(ready, alice)
    assert Report.objects.get(pk=ready.pk).status == ReportStatus.DRAFT


def test_a_report_status_outside_the_choices_is_refused_by_the_database(report):
    # Issue 20 item 5: status fields carry check constraints.
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(status="bogus")


# 既往数据: made and deleted for 绑定 and 解绑 (binding.services) -------------------------------


def legacy_report(user):
    return reports.create_legacy_report(
        institution=user.institution,
        data_year=2018,
        edition="2018",
        values={},
        legacy_status="已提交",
        basic_info=[],
        submitted_at=None,
        user=user,
    )


def test_a_legacy_report_is_read_only(alice):
    report = legacy_report(alice)

    assert report.status == ReportStatus.LEGACY
    assert "既往数据" in reports.lock_reason(report)


def test_a_second_report_of_the_year_is_refused(alice):
    legacy_report(alice)

    with pytest.raises(reports.ReportError, match="2018年度已有一份报告"):
        legacy_report(alice)


def test_deleting_a_legacy_report_logs_the_reason_and_keeps_its_status_time(alice):
    report = legacy_report(alice)

    deleted = reports.delete_legacy_report(report, alice, reason="解绑既往数据")

    assert deleted.is_deleted
    assert deleted.status_changed_at == report.status_changed_at
    transition = ReportTransition.objects.get(report=deleted)
    assert (transition.action, transition.reason) == ("delete", "解绑既往数据")


def test_only_a_legacy_report_is_deleted_that_way(report, alice):
    with pytest.raises(reports.ReportError):
        reports.delete_legacy_report(report, alice, reason="解绑既往数据")

    assert not Report.objects.get(pk=report.pk).is_deleted
