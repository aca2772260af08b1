"""The auditors' 年度报告 in the admin: the list and its filters, a report read-only with
every part, 退回 / 审核通过 / 恢复 through the services, and who may do what."""

import datetime
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from institutions.models import HospitalGrade
from surveys import reports
from surveys.models import (
    BasicInfo,
    Report,
    ReportScan,
    ReportStatus,
    ReportTransition,
    TransitionAction,
    WindowExtension,
)
from tests.factories import AuditorFactory, InstitutionFactory, UserFactory, region
from tests.surveys.helpers import EDITION, required_only
from tests.surveys.test_basic_info import make_basic_info

CHANGELIST = reverse("admin:surveys_report_changelist")
IN_WINDOW = datetime.date(2026, 2, 15)


@pytest.fixture(autouse=True)
def in_window(monkeypatch):
    """Today is inside the 2025 reporting window unless a test says otherwise."""
    monkeypatch.setattr(reports, "today", lambda: IN_WINDOW)


def png_bytes(size=(40, 56)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (250, 250, 250)).save(buffer, "PNG")
    return buffer.getvalue()


def add_scan(report, user, data=None, kind="png"):
    data = data or png_bytes()
    name = "scan.pdf" if kind == "pdf" else "scan.png"
    return ReportScan.objects.create(
        report=report,
        file=SimpleUploadedFile(name, data),
        kind=kind,
        size=len(data),
        sha256="0" * 64,
        survey_version=report.survey_version,
        uploaded_by=user,
    )


def draft_report(user, data_year=2025, values=None, confirmed=()):
    """A 未提交 report of ``user``'s institution with its 总表 saved (if ``values``)."""
    report = Report.objects.create(
        institution_id=user.institution_id,
        data_year=data_year,
        edition=EDITION.id,
        status_changed_at=timezone.now(),
        created_by=user,
    )
    if values is not None:
        report = reports.save_survey(report, values, list(confirmed), user)
    return report


def submitted_report(user, data_year=2025, values=None, confirmed=()):
    """A report that went through 提交: basic info, 总表, 附件4, then the service."""
    institution = user.institution
    if not BasicInfo.objects.filter(institution=institution).exists():
        make_basic_info(user, hospital_name=institution.name, region=institution.region.code)
    report = draft_report(user, data_year, values or required_only(), confirmed)
    add_scan(report, user)
    # The hospital confirms whatever 提交 asks it to check (e.g. 总表 totals ≠ case counts).
    confirmed = [warning.id for warning in reports.submission_check(report).warnings]
    return reports.submit(report, user, confirmed)


def deleted_report(user, data_year=2025):
    return reports.delete_report(draft_report(user, data_year), user)


def change_url(report):
    return reverse("admin:surveys_report_change", args=[report.pk])


def action_url(report, action):
    return reverse(f"admin:surveys_report_{action}", args=[report.pk])


def listed(response):
    return list(response.context["cl"].result_list)


@pytest.fixture
def desk(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def viewer(db):
    """Staff who may look at reports but not decide on them."""
    user = AuditorFactory(
        username="viewer", real_name="只读员", is_superuser=False, auditor_group=False
    )
    user.user_permissions.add(
        Permission.objects.get(codename="view_report"),
        Permission.objects.get(codename="view_reportingwindow"),
        Permission.objects.get(codename="view_windowextension"),
    )
    return user


# The list ------------------------------------------------------------------------------------


def test_list_shows_hospital_year_state_times_and_region(desk, alice):
    report = submitted_report(alice)

    response = desk.get(CHANGELIST)

    assert listed(response) == [report]
    row = response.text[response.text.index('id="result_list"') :]
    for shown in ("甲医院", "2025", "已提交", "北京市市辖区东城区"):
        assert shown in row


def test_list_hides_deleted_reports_by_default(desk, alice, bob):
    kept = draft_report(alice)
    deleted_report(bob)

    assert listed(desk.get(CHANGELIST)) == [kept]


def test_deleted_filter_reaches_the_deleted_reports(desk, alice, bob):
    kept = draft_report(alice)
    gone = deleted_report(bob)

    assert listed(desk.get(CHANGELIST, {"deleted": "yes"})) == [gone]
    assert set(listed(desk.get(CHANGELIST, {"deleted": "all"}))) == {kept, gone}


def test_year_filter(desk, alice):
    draft_report(alice, 2024)
    this_year = draft_report(alice, 2025)

    assert listed(desk.get(CHANGELIST, {"data_year": "2025"})) == [this_year]


def test_province_filter_follows_the_institutions_region(desk, regions, alice, bob):
    draft_report(alice)
    guangzhou = draft_report(bob)

    assert listed(desk.get(CHANGELIST, {"province": "440000"})) == [guangzhou]


def test_status_filter(desk, alice, bob):
    draft_report(alice)
    submitted = submitted_report(bob)

    assert listed(desk.get(CHANGELIST, {"status__exact": "submitted"})) == [submitted]


def test_grade_filter(desk, alice, bob):
    bob.institution.grade = HospitalGrade.GRADE_2A
    bob.institution.save()
    draft_report(alice)
    second_grade = draft_report(bob)

    response = desk.get(CHANGELIST, {"institution__grade__exact": HospitalGrade.GRADE_2A})

    assert listed(response) == [second_grade]


def test_search_by_institution_name(desk, alice, bob):
    draft_report(alice)
    other = draft_report(bob)

    assert listed(desk.get(CHANGELIST, {"q": "乙医院"})) == [other]


def test_list_query_count_does_not_grow_with_rows(desk, django_assert_max_num_queries):
    def add_reports(n):
        for _ in range(n):
            draft_report(UserFactory(institution=InstitutionFactory()))

    add_reports(2)
    with django_assert_max_num_queries(40) as few:
        desk.get(CHANGELIST)
    add_reports(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(CHANGELIST)
    assert len(listed(response)) == 14


def test_list_offers_the_export_with_the_current_filters(desk, alice):
    draft_report(alice)

    response = desk.get(CHANGELIST, {"data_year": "2025", "q": "甲"})

    export = reverse("admin:surveys_report_export")
    assert f'href="{export}?data_year=2025&amp;q=%E7%94%B2"' in response.text


# The report, read-only -----------------------------------------------------------------------


def test_change_page_shows_the_submitted_basic_info_snapshot(desk, alice):
    report = submitted_report(alice)
    info = BasicInfo.objects.get(institution=alice.institution)
    info.director_name = "后改的名字"
    info.save()

    response = desk.get(change_url(report))

    assert "提交时（" in response.text
    assert response.context["basic_info"] == report.basic_info_snapshot
    assert "后改的名字" not in response.text


def test_a_returned_report_shows_the_same_basic_info_to_auditor_and_hospital(
    desk, alice, auditor
):
    # Issue 20 item 5: one rule (surveys.reports.basic_info_shown) for both pages. Once
    # returned, the report is the hospital's again: both show the live 基本信息.
    report = reports.return_report(submitted_report(alice), auditor, "请核对")
    info = BasicInfo.objects.get(institution=alice.institution)
    info.director_name = "后改的名字"
    info.save()

    admin_page = desk.get(change_url(report)).text
    desk.force_login(alice)
    hospital_page = desk.get(reverse("surveys:report_detail", args=[report.public_id])).text

    assert "后改的名字" in admin_page and "后改的名字" in hospital_page


def test_change_page_of_a_draft_shows_the_live_basic_info(desk, alice):
    make_basic_info(alice, director_name="王主任")
    report = draft_report(alice)

    response = desk.get(change_url(report))

    assert "医院当前的基本信息" in response.text
    assert "王主任" in response.text


def test_change_page_shows_every_survey_value_grouped_blank_as_unfilled(desk, alice):
    report = submitted_report(alice)

    response = desk.get(change_url(report))

    groups = response.context["survey_groups"]
    assert [group["code"] for group in groups] == [group.code for group in EDITION.groups]
    rows = {row["code"]: row["value"] for group in groups for row in group["rows"]}
    assert rows["ci_discharges"] == "400 例"
    assert rows["ivt_tenecteplase"] is None
    assert '<tr class="report-value" data-code="neuro_discharges_total">' in response.text
    assert "未填" in response.text
    assert "本组为选填，医院未填写。" in response.text  # 资源 and 手术 left blank


def test_change_page_shows_the_warnings_and_which_were_confirmed(desk, alice):
    values = required_only(neuro_discharges_total=600)  # 第一诊断 discharges add up to 700
    report = submitted_report(alice, values=values, confirmed=["discharges_within_neuro_total"])

    response = desk.get(change_url(report))

    warnings = response.context["survey_warnings"]
    assert len(warnings) == 1 and warnings[0]["confirmed"]
    assert "医院已确认" in response.text
    assert warnings[0]["message"] in response.text


def test_change_page_shows_an_unconfirmed_warning(desk, alice):
    report = draft_report(alice, values=required_only(neuro_discharges_total=600))

    response = desk.get(change_url(report))

    assert [w["confirmed"] for w in response.context["survey_warnings"]] == [False]
    assert "未确认" in response.text


def test_change_page_shows_the_scans_through_the_admin_view(desk, alice):
    report = submitted_report(alice)
    scan = report.scans.get()

    response = desk.get(change_url(report))

    scan_url = reverse("admin:surveys_report_scan", args=[report.pk, scan.pk])
    assert f'<img src="{scan_url}"' in response.text
    image = desk.get(scan_url)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == scan.file.open("rb").read()


def test_change_page_marks_a_stale_scan(desk, alice):
    report = draft_report(alice, values=required_only())
    add_scan(report, alice)
    reports.save_survey(report, required_only(ci_deaths=11), [], alice)

    response = desk.get(change_url(report))

    assert response.context["scans"][0]["is_stale"]
    assert "已过期" in response.text


def test_change_page_links_a_pdf_scan(desk, alice):
    report = draft_report(alice, values=required_only())
    scan = add_scan(report, alice, data=b"%PDF-1.4 test", kind="pdf")

    response = desk.get(change_url(report))

    scan_url = reverse("admin:surveys_report_scan", args=[report.pk, scan.pk])
    assert f'<a class="report-scan-pdf" href="{scan_url}">' in response.text
    download = desk.get(scan_url)
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")


def test_scan_of_another_report_is_404(desk, alice, bob):
    report = submitted_report(alice)
    other = submitted_report(bob)

    scan_url = reverse("admin:surveys_report_scan", args=[report.pk, other.scans.get().pk])

    assert desk.get(scan_url).status_code == 404


def test_change_page_shows_the_history_and_the_return_reason(desk, alice, auditor):
    report = reports.return_report(submitted_report(alice), auditor, "请核对死亡例数")

    response = desk.get(change_url(report))

    transitions = list(response.context["transitions"])
    assert [t.action for t in transitions] == [TransitionAction.SUBMIT, TransitionAction.RETURN]
    history = response.text[response.text.index('id="report-history"') :]
    assert "爱丽丝" in history and "审核员甲" in history
    assert "已提交 → 已退回" in history
    assert history.count("请核对死亡例数") == 1
    summary = response.text[: response.text.index('id="report-basic-info"')]
    assert "请核对死亡例数" in summary


def test_change_page_shows_the_effective_window_with_the_extension(desk, alice, monkeypatch):
    report = draft_report(alice)
    WindowExtension.objects.create(
        institution=alice.institution, data_year=2025, until=datetime.date(2026, 4, 30)
    )
    monkeypatch.setattr(reports, "today", lambda: datetime.date(2026, 4, 10))

    response = desk.get(change_url(report))

    assert "2026年2月1日至2026年3月31日；本单位延期至2026年4月30日" in response.text
    assert "目前在填报时间内（至2026年4月30日北京时间24时）" in response.text


def test_change_page_escapes_what_hospitals_typed(desk, alice, auditor):
    report = reports.return_report(submitted_report(alice), auditor, "<script>alert(1)</script>")

    response = desk.get(change_url(report))

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_change_page_cannot_be_saved(desk, alice):
    report = submitted_report(alice)

    response = desk.post(change_url(report), {"data_year": "1999", "status": "approved"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert (report.data_year, report.status) == (2025, ReportStatus.SUBMITTED)


def test_no_add_and_no_delete(desk, alice):
    report = draft_report(alice)

    assert desk.get(reverse("admin:surveys_report_add")).status_code == 403
    delete = desk.post(reverse("admin:surveys_report_delete", args=[report.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


# 退回 and 审核通过 ----------------------------------------------------------------------------


def test_submitted_report_offers_approve_and_return(desk, alice):
    report = submitted_report(alice)

    response = desk.get(change_url(report))

    assert f'formaction="{action_url(report, "approve")}"' in response.text
    assert f'formaction="{action_url(report, "return")}"' in response.text
    assert 'name="return_reason"' in response.text


@pytest.mark.parametrize("status", [ReportStatus.DRAFT, ReportStatus.APPROVED])
def test_other_states_offer_no_decision(desk, alice, auditor, status):
    report = draft_report(alice)
    if status == ReportStatus.APPROVED:
        report = reports.approve_report(submitted_report(UserFactory()), auditor)

    response = desk.get(change_url(report))

    assert "formaction" not in response.text
    assert "decision" not in response.context


def test_return_with_reason_returns_and_logs_the_auditor(desk, alice, auditor):
    report = submitted_report(alice)

    response = desk.post(action_url(report, "return"), {"return_reason": "  死亡例数请核对  "})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert report.return_reason == "死亡例数请核对"
    transition = report.transitions.last()
    assert (transition.action, transition.user, transition.reason) == (
        TransitionAction.RETURN,
        auditor,
        "死亡例数请核对",
    )
    assert LogEntry.objects.filter(object_id=str(report.pk), user=auditor).exists()
    page = desk.get(response.url)
    assert "已退回甲医院的2025年度医疗机构脑血管病诊疗情况" in page.text


def test_return_without_reason_is_refused(desk, alice):
    report = submitted_report(alice)

    response = desk.post(action_url(report, "return"), {"return_reason": "   "}, follow=True)

    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert not report.transitions.filter(action=TransitionAction.RETURN).exists()
    assert "请填写退回原因" in response.text


def test_approve_approves(desk, alice, auditor):
    report = submitted_report(alice)

    response = desk.post(action_url(report, "approve"), follow=True)

    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.transitions.last().user == auditor
    assert "已审核通过" in response.text


@pytest.mark.parametrize("action", ["approve", "return"])
def test_deciding_a_report_not_submitted_is_refused_with_a_message(desk, alice, action):
    report = draft_report(alice)

    response = desk.post(action_url(report, action), {"return_reason": "原因"}, follow=True)

    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert not report.transitions.exists()
    assert "只能审核“已提交”的报告，该报告当前为“未提交”。" in response.text


def test_a_second_decision_is_refused_with_a_message(desk, alice):
    report = submitted_report(alice)
    desk.post(action_url(report, "approve"))

    response = desk.post(action_url(report, "return"), {"return_reason": "晚了"}, follow=True)

    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert "该报告当前为“已审核”" in response.text


@pytest.mark.parametrize("action", ["approve", "return", "restore"])
def test_decision_urls_take_post_only(desk, alice, action):
    report = submitted_report(alice)

    assert desk.get(action_url(report, action)).status_code == 405


def test_deciding_an_unknown_report_is_404(desk):
    assert desk.post(reverse("admin:surveys_report_approve", args=[999999])).status_code == 404


# 恢复 ----------------------------------------------------------------------------------------


def test_deleted_report_offers_restore_only(desk, alice):
    report = deleted_report(alice)

    response = desk.get(change_url(report))

    assert f'formaction="{action_url(report, "restore")}"' in response.text
    assert f'formaction="{action_url(report, "approve")}"' not in response.text


def test_restore_brings_the_report_back(desk, alice, auditor):
    report = deleted_report(alice)

    response = desk.post(action_url(report, "restore"), follow=True)

    report.refresh_from_db()
    assert not report.is_deleted
    assert report.transitions.last().action == TransitionAction.RESTORE
    assert report.transitions.last().user == auditor
    assert "已恢复甲医院的2025年度" in response.text


def test_restore_is_refused_when_the_year_has_a_report_again(desk, alice):
    report = deleted_report(alice)
    draft_report(alice)

    response = desk.post(action_url(report, "restore"), follow=True)

    report.refresh_from_db()
    assert report.is_deleted
    assert "该单位2025年度已有一份报告，不能恢复。" in response.text


def test_restoring_a_report_not_deleted_is_refused(desk, alice):
    report = draft_report(alice)

    response = desk.post(action_url(report, "restore"), follow=True)

    assert "该报告未被删除。" in response.text


# Who may do what -----------------------------------------------------------------------------


def test_staff_who_may_only_view_see_the_report_but_no_buttons(client, viewer, alice):
    report = submitted_report(alice)
    client.force_login(viewer)

    response = client.get(change_url(report))

    assert response.status_code == 200
    assert "formaction" not in response.text
    assert "甲医院" in response.text


@pytest.mark.parametrize("action", ["approve", "return", "restore"])
def test_staff_who_may_only_view_get_403_on_the_actions(client, viewer, alice, action):
    report = submitted_report(alice)
    client.force_login(viewer)

    response = client.post(action_url(report, action), {"return_reason": "原因"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.transitions.count() == 1


def test_staff_without_report_permissions_cannot_open_reports(client, alice):
    other_staff = AuditorFactory(username="other_staff", is_superuser=False, auditor_group=False)
    report = submitted_report(alice)
    client.force_login(other_staff)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(report)).status_code == 403
    scan_url = reverse("admin:surveys_report_scan", args=[report.pk, report.scans.get().pk])
    assert client.get(scan_url).status_code == 403
    assert client.get(reverse("admin:surveys_report_export")).status_code == 403


def admin_urls(report):
    scan = report.scans.get()
    return [
        ("get", CHANGELIST),
        ("get", change_url(report)),
        ("get", reverse("admin:surveys_report_export")),
        ("get", reverse("admin:surveys_report_scan", args=[report.pk, scan.pk])),
        ("post", action_url(report, "approve")),
        ("post", action_url(report, "return")),
        ("post", action_url(report, "restore")),
        ("get", reverse("admin:surveys_reportingwindow_changelist")),
        ("get", reverse("admin:surveys_reportingwindow_add")),
        ("get", reverse("admin:surveys_windowextension_changelist")),
        ("get", reverse("admin:surveys_windowextension_add")),
    ]


def test_a_hospital_user_gets_the_admin_login_everywhere(client, alice):
    report = submitted_report(alice)
    client.force_login(alice)

    for method, url in admin_urls(report):
        response = getattr(client, method)(url, {"return_reason": "原因"})
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_status_history_belongs_to_the_report(desk, alice, bob):
    """The page lists this report's transitions, not those of another."""
    report = submitted_report(alice)
    submitted_report(bob)

    response = desk.get(change_url(report))

    assert {t.report_id for t in response.context["transitions"]} == {report.pk}
    assert ReportTransition.objects.count() == 2


def test_region_filter_uses_the_current_region_of_the_institution(desk, alice):
    """A report is found by province through ``institution__region``."""
    alice.institution.region = region("440106")
    alice.institution.save()
    report = draft_report(alice)

    assert listed(desk.get(CHANGELIST, {"province": "440000"})) == [report]


def test_deleted_report_page_says_who_deleted_it(desk, alice):
    report = deleted_report(alice)

    response = desk.get(change_url(report))

    summary = response.text[: response.text.index('id="report-basic-info"')]
    assert "已删除" in summary and "爱丽丝" in summary


def test_change_page_of_an_undeclared_edition_says_so(desk, alice):
    report = draft_report(alice)
    Report.objects.filter(pk=report.pk).update(edition="1999", values={"x": 1})

    response = desk.get(change_url(report))

    assert response.status_code == 200
    assert "总表版本“1999”未在平台中声明" in response.text
