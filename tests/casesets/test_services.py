"""Adding, editing, deleting and restoring cases: the report lock, the rules re-run inside
it, soft deletion and the change history."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from casesets import services
from casesets.forms import InterventionCaseForm, ThrombolysisCaseForm
from casesets.history import case_history
from casesets.models import InterventionCase, ThrombolysisCase
from surveys.models import ReportingWindow, ReportStatus
from surveys.reports import ReportError

from .helpers import EVT_CORE, IVT_CORE, at, make_evt, make_ivt
from .test_forms import EVT_POST, IVT_POST

pytestmark = pytest.mark.django_db


def new_ivt(report, **changes):
    return ThrombolysisCase(report=report, **{**IVT_CORE, **changes})


def add_ivt(report, user, **changes):
    return services.add_case(report=report, case=new_ivt(report, **changes), user=user)


def close_window():
    today = timezone.localdate()
    ReportingWindow.objects.filter(data_year=2025).update(
        opens_on=today - datetime.timedelta(days=60), closes_on=today - datetime.timedelta(days=1)
    )


def test_a_case_is_added_with_its_author(report, alice):
    case = add_ivt(report, alice)
    case.refresh_from_db()
    assert (case.report, case.created_by, case.updated_by) == (report, alice, alice)


def test_a_form_and_the_service_add_a_case(report, alice):
    form = InterventionCaseForm(EVT_POST, report=report)
    assert form.is_valid()
    services.add_case(report=report, case=form.save(), user=alice)
    assert InterventionCase.objects.get().evt_mode == "bridging"


@pytest.mark.parametrize("status", [ReportStatus.SUBMITTED, ReportStatus.APPROVED])
def test_a_locked_report_takes_no_case(report, alice, status):
    report.status = status
    report.save()
    with pytest.raises(ReportError):
        add_ivt(report, alice)
    assert not ThrombolysisCase.objects.exists()


def test_a_returned_report_takes_cases_again(report, alice):
    report.status = ReportStatus.RETURNED
    report.save()
    assert add_ivt(report, alice).pk


def test_no_case_outside_the_reporting_window(report, alice):
    close_window()
    with pytest.raises(ReportError, match="已经截止"):
        add_ivt(report, alice)


def test_a_deleted_report_takes_no_case(report, alice):
    report.deleted_at = timezone.now()
    report.save()
    with pytest.raises(ReportError, match="已删除"):
        add_ivt(report, alice)


def test_the_other_attachment_is_checked_again_inside_the_lock(report, alice):
    """A colleague registered the number as 介入 after this form was validated."""
    form = ThrombolysisCaseForm(IVT_POST, report=report)
    assert form.is_valid()
    make_evt(report, admission_no=IVT_CORE["admission_no"])
    with pytest.raises(ReportError, match="已登记在本报告的血管内介入治疗个案中"):
        services.add_case(report=report, case=form.save(), user=alice)
    assert not ThrombolysisCase.objects.exists()


def test_an_unconfirmed_duplicate_that_appeared_meanwhile_is_refused(report, alice):
    form = ThrombolysisCaseForm(IVT_POST, report=report)
    assert form.is_valid()
    make_ivt(report)
    with pytest.raises(ReportError, match="重复的可人工录入"):
        services.add_case(report=report, case=form.save(), user=alice)
    assert ThrombolysisCase.objects.count() == 1


def test_a_confirmed_duplicate_is_added(report, alice):
    make_ivt(report)
    add_ivt(report, alice, confirmed_warnings=["admission_no_duplicate"])
    assert ThrombolysisCase.objects.filter(admission_no=IVT_CORE["admission_no"]).count() == 2


def test_an_invalid_case_is_refused_by_the_service_too(report, alice):
    with pytest.raises(ReportError, match="请输入0-42范围内的整数"):
        add_ivt(report, alice, nihss_pre=50)


def test_only_confirmations_of_raised_warnings_are_kept(report, alice):
    case = add_ivt(report, alice, confirmed_warnings=["dnt_target", "made_up"])
    assert case.confirmed_warnings == []


def test_a_case_is_updated(report, alice, alice_admin):
    case = add_ivt(report, alice)
    form = ThrombolysisCaseForm({**IVT_POST, "nihss_pre": "12"}, report=report, instance=case)
    assert form.is_valid()
    services.update_case(case=form.save(), user=alice_admin)
    case.refresh_from_db()
    assert (case.nihss_pre, case.created_by, case.updated_by) == (12, alice, alice_admin)


def test_a_case_of_a_locked_report_is_not_updated(report, alice):
    case = add_ivt(report, alice)
    report.status = ReportStatus.SUBMITTED
    report.save()
    case.nihss_pre = 12
    with pytest.raises(ReportError, match="已提交"):
        services.update_case(case=case, user=alice)
    case.refresh_from_db()
    assert case.nihss_pre == 10


def test_a_deleted_case_is_not_updated(report, alice):
    case = services.delete_case(case=add_ivt(report, alice), user=alice)
    case.nihss_pre = 12
    with pytest.raises(ReportError, match="已删除"):
        services.update_case(case=case, user=alice)


def test_an_update_into_the_other_attachment_number_is_refused(report, alice):
    case = add_ivt(report, alice)
    make_evt(report, admission_no="ZY-X")
    case.admission_no = "ZY-X"
    with pytest.raises(ReportError, match="已登记在本报告的血管内介入治疗个案中"):
        services.update_case(case=case, user=alice)


def test_a_case_is_found_only_through_its_report(report, report_b, alice):
    case = add_ivt(report, alice)
    assert services.case_of(report, "thrombolysis", case.public_id) == case
    for other, kind in ((report_b, "thrombolysis"), (report, "intervention")):
        with pytest.raises(Http404):
            services.case_of(other, kind, case.public_id)
    services.delete_case(case=case, user=alice)
    with pytest.raises(Http404):
        services.case_of(report, "thrombolysis", case.public_id)


# Soft deletion and restore -------------------------------------------------------------------


def test_delete_is_soft(report, alice):
    case = services.delete_case(case=add_ivt(report, alice), user=alice)
    assert (case.is_deleted, case.deleted_by) == (True, alice)
    assert ThrombolysisCase.objects.filter(pk=case.pk).exists()
    assert not ThrombolysisCase.objects.alive().exists()
    assert services.case_counts([report.pk]) == {report.pk: (0, 0)}


def test_a_case_is_deleted_once(report, alice):
    case = services.delete_case(case=add_ivt(report, alice), user=alice)
    with pytest.raises(ReportError, match="已删除"):
        services.delete_case(case=case, user=alice)


def test_a_case_of_a_locked_report_is_not_deleted(report, alice):
    case = add_ivt(report, alice)
    close_window()
    with pytest.raises(ReportError):
        services.delete_case(case=case, user=alice)
    assert not ThrombolysisCase.objects.get().is_deleted


def test_a_deleted_number_is_free_again(report, alice):
    services.delete_case(case=add_ivt(report, alice), user=alice)
    assert add_ivt(report, alice).confirmed_warnings == []


def test_an_auditor_restores_a_deleted_case(report, alice, auditor):
    case = services.delete_case(case=add_ivt(report, alice), user=alice)
    close_window()  # auditors act outside the window
    restored = services.restore_case(case=case, auditor=auditor)
    assert (restored.is_deleted, restored.updated_by) == (False, auditor)


def test_restore_refuses_a_live_case(report, alice, auditor):
    with pytest.raises(ReportError, match="未被删除"):
        services.restore_case(case=add_ivt(report, alice), auditor=auditor)


def test_restore_refuses_a_number_now_in_the_other_attachment(report, alice, auditor):
    case = services.delete_case(case=add_ivt(report, alice), user=alice)
    make_evt(report, admission_no=IVT_CORE["admission_no"])
    with pytest.raises(ReportError, match="血管内介入治疗个案"):
        services.restore_case(case=case, auditor=auditor)
    assert ThrombolysisCase.objects.get().is_deleted


def test_restore_refuses_a_case_of_an_approved_report(report, alice, auditor):
    case = services.delete_case(case=add_ivt(report, alice), user=alice)
    report.status = ReportStatus.APPROVED
    report.save()
    with pytest.raises(ReportError, match="已审核"):
        services.restore_case(case=case, auditor=auditor)


# History -------------------------------------------------------------------------------------


def test_history_records_who_and_old_to_new(report, alice, alice_admin, auditor):
    case = add_ivt(report, alice)
    case.nihss_pre = 12
    case.thrombolytic_drug = "urokinase"
    services.update_case(case=case, user=alice_admin)
    services.delete_case(case=case, user=alice)
    services.restore_case(case=case, auditor=auditor)

    restored, deleted, edited, added = case_history(case)

    assert (added.action, added.who, added.created) == ("新增", str(alice), True)
    assert ("住院号", "", "ZY2025-001") in [(c.label, c.old, c.new) for c in added.changes]
    assert (edited.action, edited.who) == ("修改", str(alice_admin))
    assert [(c.label, c.old, c.new) for c in edited.changes] == [
        ("治疗前NIHSS评分", "10", "12"),
        ("溶栓药", "阿替普酶", "尿激酶"),
    ]
    assert (deleted.action, deleted.who) == ("删除", str(alice))
    assert [c.label for c in deleted.changes] == ["删除时间"]
    assert (restored.action, restored.who) == ("恢复", str(auditor))


def test_history_shows_times_in_beijing_time(report, alice):
    case = services.add_case(
        report=report,
        case=InterventionCase(report=report, **EVT_CORE),
        user=alice,
    )
    case.arrival_at = at(4, 2, 8, 0)
    case.occlusion_sites = ["mca_m1", "tandem"]
    services.update_case(case=case, user=alice)
    changes = {c.label: c.new for c in case_history(case)[0].changes}
    assert changes == {"到院时间": "2025-04-02 08:00", "闭塞部位": "大脑中动脉M1段、串联病变"}
