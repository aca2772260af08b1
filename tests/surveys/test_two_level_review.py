"""分级审核 (issue 22 item 2): with two review levels a 北京 auditor takes an 已提交 report to
省级审核通过 and a national auditor to 已审核; 退回 at either level; refusals; what the
hospital reads; one level behaves as before."""

import datetime

import pytest
from django.urls import reverse

from surveys import reports
from surveys.models import ReportingWindow, ReportStatus, TransitionAction
from tests.factories import AuditorFactory
from tests.surveys.test_report_admin import IN_WINDOW, change_url, submitted_report


@pytest.fixture(autouse=True)
def in_window(monkeypatch):
    monkeypatch.setattr(reports, "today", lambda: IN_WINDOW)


@pytest.fixture
def two_levels(db):
    return ReportingWindow.objects.create(
        data_year=2025,
        opens_on=datetime.date(2026, 2, 1),
        closes_on=datetime.date(2026, 3, 31),
        review_levels=2,
    )


def actions(report):
    return [
        (t.action, t.to_status, t.user.username)
        for t in report.transitions.select_related("user").order_by("pk")
    ]


def test_province_then_nation(two_levels, alice, bj_auditor, auditor):
    report = submitted_report(alice)

    report = reports.approve_report(report, bj_auditor)
    assert report.status == ReportStatus.PROVINCIAL
    assert reports.lock_reason(report) == str(reports.STATUS_LOCK_MESSAGES[ReportStatus.PROVINCIAL])
    assert reports.review_stage(report) == "省级审核已通过，等待国家级审核员终审。"

    report = reports.approve_report(report, auditor)
    assert report.status == ReportStatus.APPROVED
    assert actions(report)[-2:] == [
        (TransitionAction.PROVINCIAL, ReportStatus.PROVINCIAL, "bj_auditor"),
        (TransitionAction.NATIONAL, ReportStatus.APPROVED, auditor.username),
    ]


def test_each_level_decides_only_its_own_step(two_levels, alice, bj_auditor, auditor):
    report = submitted_report(alice)
    with pytest.raises(reports.ReportError, match="须先由所在省"):
        reports.approve_report(report, auditor)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert reports.review_stage(report).startswith("已提交，等待所在省（市）的审核员审核")

    report = reports.approve_report(report, bj_auditor)
    with pytest.raises(reports.ReportError, match="等待国家级审核员终审"):
        reports.approve_report(report, bj_auditor)
    with pytest.raises(reports.ReportError, match="等待国家级审核员终审"):
        reports.return_report(report, bj_auditor, "再看看")
    report.refresh_from_db()
    assert report.status == ReportStatus.PROVINCIAL


def test_another_province_decides_nothing(two_levels, alice, gd_auditor):
    report = submitted_report(alice)
    with pytest.raises(reports.ReportError, match="不在您的审核范围内"):
        reports.approve_report(report, gd_auditor)
    with pytest.raises(reports.ReportError, match="不在您的审核范围内"):
        reports.return_report(report, gd_auditor, "不是我的")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_return_at_either_level(two_levels, alice, bj_auditor, auditor):
    report = submitted_report(alice)
    report = reports.return_report(report, bj_auditor, "请核对溶栓例数")
    assert (report.status, report.return_reason) == (ReportStatus.RETURNED, "请核对溶栓例数")

    confirmed = [w.id for w in reports.submission_check(report).warnings]
    report = reports.submit(report, alice, confirmed)
    report = reports.approve_report(report, bj_auditor)
    report = reports.return_report(report, auditor, "国家级：请补充附件4")
    assert report.status == ReportStatus.RETURNED
    assert actions(report)[-1] == (TransitionAction.RETURN, ReportStatus.RETURNED, auditor.username)


def test_one_level_is_as_before(alice, bob, bj_auditor, auditor):
    """Without a 两级审核 year any auditor of the report's 审核范围 decides it at once."""
    first = submitted_report(alice)
    assert reports.review_levels(2025) == 1
    assert reports.review_stage(first) == "已提交，等待审核员审核。"
    assert reports.approve_report(first, bj_auditor).status == ReportStatus.APPROVED
    second = reports.approve_report(submitted_report(bob), auditor)
    assert second.status == ReportStatus.APPROVED
    assert reports.review_stage(second) == "审核已通过。"


def test_a_year_switched_back_to_one_level_keeps_its_provincial_reports(
    two_levels, alice, bj_auditor, auditor
):
    report = reports.approve_report(submitted_report(alice), bj_auditor)
    two_levels.review_levels = 1
    two_levels.save()
    with pytest.raises(reports.ReportError):
        reports.approve_report(report, bj_auditor)
    assert reports.approve_report(report, auditor).status == ReportStatus.APPROVED


def test_the_admin_offers_each_auditor_their_step(client, two_levels, alice, bj_auditor, auditor):
    report = submitted_report(alice)

    client.force_login(auditor)
    page = client.get(change_url(report)).content.decode()
    assert "须先由所在省（市）的审核员审核" in page and 'value="国家级审核通过"' not in page

    client.force_login(bj_auditor)
    page = client.get(change_url(report)).content.decode()
    assert 'value="省级审核通过"' in page
    done = client.post(reverse("admin:surveys_report_approve", args=[report.pk]), follow=True)
    assert "已省级审核通过。" in done.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.PROVINCIAL
    page = client.get(change_url(report)).content.decode()
    assert "等待国家级审核员终审" in page and 'value="省级审核通过"' not in page

    client.force_login(auditor)
    assert 'value="国家级审核通过"' in client.get(change_url(report)).content.decode()
    client.post(reverse("admin:surveys_report_approve", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_the_hospital_reads_where_its_report_stands(client, two_levels, alice, bj_auditor):
    report = reports.approve_report(submitted_report(alice), bj_auditor)
    client.force_login(alice)
    page = client.get(reverse("surveys:report_detail", args=[report.public_id])).content.decode()
    assert "省级审核通过" in page
    assert "省级审核已通过，等待国家级审核员终审。" in page
    assert "本报告已通过省级审核，正在等待国家级审核，不能修改。" in page


# 批量审核 (issue 22 item 4) ---------------------------------------------------------------


def _bulk(client, action, reports):
    return client.post(
        reverse("admin:surveys_report_changelist"),
        {"action": action, "_selected_action": [r.pk for r in reports]},
        follow=True,
    )


def test_bulk_approval_decides_each_report_on_its_own(client, alice, bob, auditor):
    """One level: the submitted reports go through; a draft among them is named with its
    reason and left as it was."""
    from tests.surveys.test_report_admin import draft_report

    first = submitted_report(alice)
    second = submitted_report(bob)
    draft = draft_report(alice, data_year=2024)
    client.force_login(auditor)

    page = _bulk(client, "approve_selected", [first, second, draft]).content.decode()

    for report in (first, second, draft):
        report.refresh_from_db()
    assert (first.status, second.status) == (ReportStatus.APPROVED, ReportStatus.APPROVED)
    assert draft.status == ReportStatus.DRAFT
    assert "2份报告已为“已审核”。" in page
    assert "以下1份报告未审核通过" in page and "只能审核“已提交”的报告" in page


def test_bulk_approval_at_the_province_level(client, two_levels, alice, bob, bj_auditor):
    """Two levels: the 北京 auditor's bulk 审核通过 takes 北京's reports to 省级审核通过; a
    广东 report cannot even be selected (it is not in the list), and posting its id changes
    nothing."""
    ours = submitted_report(alice)
    theirs = submitted_report(bob)
    client.force_login(bj_auditor)

    page = _bulk(client, "approve_selected", [ours, theirs]).content.decode()

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.status == ReportStatus.PROVINCIAL
    assert "1份报告已为“省级审核通过”。" in page
    assert theirs.status == ReportStatus.SUBMITTED


def test_bulk_export_of_the_selected_reports(client, alice, bob, bj_auditor):
    ours = submitted_report(alice)
    theirs = submitted_report(bob)
    client.force_login(bj_auditor)
    response = client.post(
        reverse("admin:surveys_report_changelist"),
        {"action": "export_selected", "_selected_action": [ours.pk, theirs.pk]},
    )
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    text = "".join(
        str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row if cell
    )
    assert alice.institution.name in text and bob.institution.name not in text


def test_bulk_approval_needs_the_decide_permission(client, alice, db):
    """Staff without the 审核员 group's change permission get no 审核通过 action."""
    viewer = AuditorFactory(username="viewer", auditor_group=False)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_report"))
    report = submitted_report(alice)
    client.force_login(viewer)
    page = client.get(reverse("admin:surveys_report_changelist")).content.decode()
    assert 'value="approve_selected"' not in page
    _bulk(client, "approve_selected", [report])
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_bulk_approval_is_bounded(client, alice, bob, auditor, monkeypatch):
    monkeypatch.setattr("surveys.admin.BULK_REVIEW_MAX", 1)
    first, second = submitted_report(alice), submitted_report(bob)
    client.force_login(auditor)
    page = _bulk(client, "approve_selected", [first, second]).content.decode()
    assert "一次最多批量审核1份报告" in page
    first.refresh_from_db()
    assert first.status == ReportStatus.SUBMITTED
