"""绑定 and 解绑: the record becomes the institution's read-only report of its year (with
its 总表 and cases), refusals, and nothing is ever deleted. (Who may bind at once and who
must apply: test_claims.py.)"""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from binding.models import BindingAction, BindingLog, LegacyRecord
from binding.services import BindingError, bind_legacy_record, unbind_legacy_record
from casesets.models import InterventionCase, ThrombolysisCase
from casesets.services import add_case
from surveys import reports
from surveys.models import Report, ReportStatus, ReportTransition
from tests.surveys.test_basic_info import make_basic_info

from .helpers import IVT_CASES, make_record

HOME = reverse("binding:home")
REGISTRY = reverse("surveys:home")


def bind_url(record):
    return reverse("binding:bind", args=[record.public_id])


def unbind_url(record):
    return reverse("binding:unbind", args=[record.public_id])


@pytest.fixture
def record(db):
    return make_record()


@pytest.fixture
def own_record(db):
    """alice's institution's own record: its name (甲医院) and region (北京市东城区)."""
    return make_record("甲医院")


@pytest.fixture
def signed_in(client, alice):
    make_basic_info(alice)
    client.force_login(alice)
    return client


# Binding -----------------------------------------------------------------------------------


def test_binding_makes_the_report_of_that_year_with_its_cases(alice, record):
    report = bind_legacy_record(record, alice.institution, alice)

    assert (report.institution, report.data_year, report.edition) == (
        alice.institution,
        2018,
        "2018",
    )
    assert report.status == ReportStatus.LEGACY
    assert report.get_status_display() == "既往数据（已提交）"
    assert report.values == record.values
    cases = ThrombolysisCase.objects.filter(report=report).order_by("admission_no")
    assert [c.admission_no for c in cases] == [c["admission_no"] for c in IVT_CASES]
    assert cases[2].nihss_discharge is None and cases[2].mrs_discharge == 6
    assert all(c.dnt_minutes is None and c.odt_minutes is None for c in cases)
    assert cases[0].history.count() == 1  # kept in each case's 编辑日志, by the binder
    assert cases[0].history.first().history_user == alice
    assert InterventionCase.objects.get(report=report).evt_mode == "direct"
    record.refresh_from_db()
    assert (record.bound_institution, record.bound_report, record.bound_by) == (
        alice.institution,
        report,
        alice,
    )
    log = BindingLog.objects.get()
    assert (log.action, log.user, log.institution, log.report) == (
        BindingAction.BIND,
        alice,
        alice.institution,
        report,
    )


def test_the_bound_report_shows_in_the_registry_list_and_detail(signed_in, alice, own_record):
    signed_in.post(bind_url(own_record))
    report = Report.objects.get(institution=alice.institution, data_year=2018)

    listing = signed_in.get(REGISTRY)
    detail = signed_in.get(reverse("surveys:report_detail", args=[report.public_id]))

    assert "2018年度医疗机构脑血管病诊疗情况" in listing.text
    assert "既往数据（已提交）" in listing.text
    # The list's case counts come from the case registers (casesets): the cases are there.
    assert (report.thrombolysis_cases.count(), report.intervention_cases.count()) == (3, 1)
    assert "医疗机构卒中现状调查表（2018年版）" in detail.text
    assert "神经科出院患者总例数" in detail.text and "3000" in detail.text
    assert "用替奈普酶例数" not in detail.text  # the 2018 form had no such item
    assert "本报告为绑定的既往数据（旧平台导入），只读" in detail.text


def test_a_bound_report_is_read_only(signed_in, alice, record):
    report = bind_legacy_record(record, alice.institution, alice)

    assert "只读" in reports.lock_reason(report)
    with pytest.raises(reports.ReportError, match="只读"):
        reports.save_survey(report, {}, [], alice)
    with pytest.raises(reports.ReportError, match="只读"):
        reports.delete_report(report, alice)
    with pytest.raises(reports.ReportError, match="只读"):
        reports.submit(report, alice)
    with pytest.raises(reports.ReportError, match="只读"):
        case = ThrombolysisCase(
            admission_no="X9", nihss_pre=1, mrs_discharge=1, thrombolytic_drug="alteplase"
        )
        add_case(report=report, case=case, user=alice)
    response = signed_in.get(reverse("surveys:report_survey", args=[report.public_id]), follow=True)
    assert "只读" in response.text
    assert Report.objects.get(pk=report.pk).values == record.values


def test_the_confirmation_page_shows_the_records_identity_only(signed_in, own_record):
    response = signed_in.get(bind_url(own_record))

    assert response.status_code == 200
    for text in (
        "确认绑定",
        "甲医院",
        "北京市市辖区东城区",
        "王建国",
        "138****5678",
        "2019-03-04 14:14:38",
        "请详细核对数据后再绑定",
    ):
        assert text in response.text
    assert "13812345678" not in response.text
    # Its 总表 and cases only once bound (SPEC §3.9), even for its own hospital.
    assert "神经科出院患者总例数" not in response.text and "3000" not in response.text
    assert "单纯静脉溶栓个案 3 例" not in response.text


def test_a_record_bound_elsewhere_is_refused(alice, bob, record):
    bind_legacy_record(record, bob.institution, bob)

    with pytest.raises(BindingError, match="该数据已被其他单位绑定"):
        bind_legacy_record(record, alice.institution, alice)
    assert not Report.objects.filter(institution=alice.institution).exists()


def test_bound_elsewhere_pages_answer_404_with_the_reason(signed_in, bob, record):
    bind_legacy_record(record, bob.institution, bob)

    page = signed_in.get(bind_url(record))
    posted = signed_in.post(bind_url(record))

    assert page.status_code == posted.status_code == 404
    assert "已被其他单位绑定" in page.text
    assert "3000" not in page.text  # another institution's report is not shown


def test_a_year_with_a_report_cannot_take_a_second(signed_in, alice, record):
    Report.objects.create(
        institution=alice.institution,
        data_year=2018,
        edition="2025",
        status_changed_at=record.imported_at,
    )

    with pytest.raises(BindingError, match="本单位2018年度已有一份报告"):
        bind_legacy_record(record, alice.institution, alice)
    page = signed_in.get(bind_url(record))
    posted = signed_in.post(bind_url(record))

    assert "本单位2018年度已有一份报告（当前状态：未提交）" in page.text
    assert 'id="confirm-bind"' not in page.text
    assert "本单位2018年度已有一份报告" in posted.text
    assert Report.objects.filter(institution=alice.institution).count() == 1
    record.refresh_from_db()
    assert record.bound_institution is None
    assert not BindingLog.objects.exists()


def test_binding_a_record_already_bound_here_goes_to_the_list(signed_in, alice, record):
    bind_legacy_record(record, alice.institution, alice)

    response = signed_in.get(bind_url(record))

    assert response.status_code == 302 and response.url == HOME


# The bound list and 解绑 ---------------------------------------------------------------------


def test_the_bound_list(signed_in, alice, record):
    bind_legacy_record(record, alice.institution, alice)
    make_record(year=2017)  # in the pool, not bound

    response = signed_in.get(HOME)

    assert "目前本单位已绑定1条数据" in response.text
    for header in ("医院名称", "行政区划", "医院负责人姓名", "联系电话", "调查年度", "提交状态",
                   "录入时间", "解绑", "继续绑定数据"):  # fmt: skip
        assert header in response.text
    assert "2019-03-04 14:14:38" in response.text
    assert "138****5678" in response.text
    assert unbind_url(record) in response.text


def test_unbinding_hides_the_report_and_keeps_everything(signed_in, alice, record):
    report = bind_legacy_record(record, alice.institution, alice)

    confirm = signed_in.get(unbind_url(record))
    response = signed_in.post(unbind_url(record), follow=True)

    assert "解绑后绑定的数据将会被清除" in confirm.text
    assert "已解绑北京协和医院 2018年度的数据" in response.text
    report.refresh_from_db()
    assert report.is_deleted and report.deleted_by == alice
    assert ThrombolysisCase.objects.filter(report=report).count() == 3  # the cases stay
    record.refresh_from_db()
    assert record.bound_institution is None and record.bound_report is None
    assert [log.action for log in BindingLog.objects.order_by("at", "id")] == ["bind", "unbind"]
    assert BindingLog.objects.filter(action="unbind", user=alice, report=report).exists()
    assert ReportTransition.objects.filter(report=report, action="delete").exists()
    assert "2018年度医疗机构脑血管病诊疗情况" not in signed_in.get(REGISTRY).text
    assert (
        signed_in.get(reverse("surveys:report_detail", args=[report.public_id])).status_code == 404
    )


def test_an_unbound_record_can_be_bound_again(alice, bob, record):
    first = bind_legacy_record(record, alice.institution, alice)
    unbind_legacy_record(record, alice.institution, alice)

    again = bind_legacy_record(record, bob.institution, bob)

    assert again.pk != first.pk and again.institution == bob.institution
    assert Report.objects.filter(pk=first.pk, deleted_at__isnull=False).exists()
    assert BindingLog.objects.count() == 3


def test_an_auditor_cannot_restore_an_unbound_report(alice, auditor, record):
    report = bind_legacy_record(record, alice.institution, alice)
    unbind_legacy_record(record, alice.institution, alice)

    with pytest.raises(reports.ReportError, match="重新绑定"):
        reports.restore_report(report, auditor)


def test_another_institution_gets_404_on_the_unbind_url(client, alice, bob, record):
    bind_legacy_record(record, alice.institution, alice)
    client.force_login(bob)

    assert client.get(unbind_url(record)).status_code == 404
    assert client.post(unbind_url(record)).status_code == 404
    with pytest.raises(BindingError):
        unbind_legacy_record(record, bob.institution, bob)
    record.refresh_from_db()
    assert record.bound_institution == alice.institution


def test_the_unbind_url_of_a_record_in_the_pool_is_404(signed_in, record):
    assert signed_in.get(unbind_url(record)).status_code == 404


def test_an_unknown_record_is_404(signed_in):
    url = reverse("binding:bind", args=["00000000-0000-0000-0000-000000000000"])
    assert signed_in.get(url).status_code == 404


# Two institutions at the same moment (PostgreSQL row locks) ---------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_institutions_binding_at_once_one_wins(alice, bob):
    record = make_record()
    barrier = threading.Barrier(2)
    outcomes = []

    def bind(user):
        try:
            barrier.wait()
            bind_legacy_record(LegacyRecord.objects.get(pk=record.pk), user.institution, user)
            outcomes.append("bound")
        except BindingError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bind, args=(user,)) for user in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes)[0] == "bound"
    assert "该数据已被其他单位绑定" in sorted(outcomes)[1]
    assert Report.objects.filter(data_year=2018).count() == 1
    assert BindingLog.objects.count() == 1
