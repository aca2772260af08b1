"""用个案汇总填充 (issue 6): the button on the 总表 tab, the confirmation page listing each
derivable item (value now → count of the cases), 确认填充 through the normal save (编辑日志,
new 总表 version, 附件4 stale) and the refusals."""

import pytest
from django.utils import timezone

from surveys import reports
from surveys.editions.validation import validate_values
from surveys.models import Report, ReportStatus
from tests.casesets.helpers import make_evt, make_ivt
from tests.surveys.helpers import EDITION, required_only
from tests.surveys.test_reports import add_scan, close_window, ready_report, set_window, url

# The cases below, counted: what the 总表 items become.
FROM_CASES = {
    "ivt_total": 2,
    "ivt_nihss_improved": 1,
    "ivt_mrs_0_2": 1,
    "ivt_alteplase": 1,
    "ivt_urokinase": 1,
    "ivt_tenecteplase": 0,
    "ivt_prourokinase": 0,
    "ivt_other_drug": 0,
    "evt_total": 2,
    "evt_direct": 1,
    "evt_bridging": 1,
    "evt_nihss_improved": 2,
    "evt_mrs_0_2": 1,
}


@pytest.fixture
def report(alice, db):
    set_window(reports.current_data_year())
    report = reports.open_current_report(alice)
    return reports.save_survey(report, required_only(), [], alice)  # ivt_total 40, …


@pytest.fixture
def cases(report):
    make_ivt(report, admission_no="T1")  # 阿替普酶, NIHSS 10 → 4, mRS 2
    make_ivt(
        report, admission_no="T2", thrombolytic_drug="urokinase", nihss_discharge=9, mrs_discharge=3
    )
    make_ivt(report, admission_no="T3", deleted_at=timezone.now())  # deleted: not counted
    make_evt(report, admission_no="E1", evt_mode="direct", mrs_discharge=1)
    make_evt(report, admission_no="E2")  # 桥接, NIHSS 16 → 8, mRS 3
    return report


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def fresh(report):
    return Report.objects.get(pk=report.pk)


def confirm(client, report):
    page = client.get(url("report_fill_from_cases", report))
    preview = page.context["preview"]
    return client.post(url("report_fill_from_cases", report), {"preview": preview}, follow=True)


def test_the_survey_tab_offers_the_button_while_editable(signed_in, report):
    page = signed_in.get(url("report_detail", report))
    assert 'id="fill-from-cases"' in page.text
    assert url("report_fill_from_cases", report) in page.text


def test_a_locked_report_has_no_button(signed_in, report):
    close_window()
    page = signed_in.get(url("report_detail", report))
    assert "用个案汇总填充" not in page.text


def test_the_confirmation_lists_each_item_now_and_from_the_cases(signed_in, cases):
    page = signed_in.get(url("report_fill_from_cases", cases))

    rows = {row.code: (row.current, row.from_cases) for row in page.context["rows"]}
    assert rows["ivt_total"] == (40, 2)
    assert rows["ivt_tenecteplase"] == (None, 0)
    assert {code: n for code, (_, n) in rows.items()} == FROM_CASES
    assert page.context["changes"] == 13
    assert "单纯静脉溶栓 总例数" in page.text and "40 例" in page.text
    assert "确认填充" in page.text
    assert fresh(cases).values["ivt_total"] == 40  # looking changes nothing


def test_confirming_fills_the_items_and_keeps_the_rest(signed_in, alice, cases):
    before = fresh(cases)

    response = confirm(signed_in, cases)

    assert response.redirect_chain[-1][0] == url("report_detail", cases)
    assert "已用个案汇总填充总表，13项已更新。" in response.text
    after = fresh(cases)
    assert {code: after.values[code] for code in FROM_CASES} == FROM_CASES
    assert after.values["neuro_discharges_total"] == 1000
    assert after.survey_version == before.survey_version + 1
    assert after.survey_saved_by == alice


def test_the_fill_is_in_the_edit_log(signed_in, alice, cases):
    confirm(signed_in, cases)

    log = signed_in.get(url("report_history", cases))

    latest = log.context["revisions"][0]
    changes = {change.label: (change.old, change.new) for change in latest.changes}
    assert changes["单纯静脉溶栓 总例数"] == ("40 例", "2 例")
    assert changes["单纯静脉溶栓 用替奈普酶例数"] == ("未填", "0 例")
    assert len(changes) == 13
    assert latest.who == str(alice)


def test_the_fill_makes_the_uploaded_scan_stale(signed_in, alice, cases):
    add_scan(cases, alice)

    response = confirm(signed_in, cases)

    assert "已上传的附件4已过期" in response.text
    assert 'id="scan-stale"' in response.text


def test_nothing_to_change_is_said_and_nothing_is_saved(signed_in, alice, cases):
    matching = reports.save_survey(cases, required_only(**FROM_CASES), [], alice)

    page = signed_in.get(url("report_fill_from_cases", cases))
    assert "总表中这些项目已与个案汇总一致，无需填充。" in page.text
    assert page.context["changes"] == 0 and 'name="preview"' not in page.text

    response = confirm(signed_in, cases)
    assert "无需填充" in response.text
    assert fresh(cases).survey_version == matching.survey_version


def test_a_case_added_meanwhile_asks_to_check_again(signed_in, cases):
    shown = signed_in.get(url("report_fill_from_cases", cases)).context["preview"]
    make_ivt(cases, admission_no="T9")

    response = signed_in.post(url("report_fill_from_cases", cases), {"preview": shown})

    assert response.status_code == 200
    assert "请重新核对后再确认填充" in response.text
    assert "3 例" in response.text  # the new count, to confirm again
    assert fresh(cases).values["ivt_total"] == 40


@pytest.mark.parametrize("lock", ["submitted", "window_closed"])
def test_a_locked_report_is_refused_with_the_reason(signed_in, alice, cases, lock):
    if lock == "submitted":
        Report.objects.filter(pk=cases.pk).update(status=ReportStatus.SUBMITTED)
        reason = "本报告已提交，正在等待审核，不能修改。"
    else:
        close_window()
        reason = "已经截止，目前只能查看"
    before = fresh(cases)
    preview = ";".join(f"{code}=x" for code in FROM_CASES)

    for response in (
        signed_in.get(url("report_fill_from_cases", cases), follow=True),
        signed_in.post(url("report_fill_from_cases", cases), {"preview": preview}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == url("report_detail", cases)
        assert reason in response.text

    after = fresh(cases)
    assert (after.values, after.survey_version) == (before.values, before.survey_version)


def test_the_fill_keeps_confirmations_of_warnings_still_raised(signed_in, alice, cases):
    # 脑梗死 + TIA + 脑出血 + SAH > 神经科出院总例数: a 总表 warning the user confirmed.
    values = required_only(neuro_discharges_total=600)
    raised = [w.rule_id for w in validate_values(EDITION, values).warnings]
    assert raised
    reports.save_survey(cases, values, raised, alice)

    confirm(signed_in, cases)

    assert set(raised) <= set(fresh(cases).confirmed_warnings)


def test_a_ready_report_after_filling_needs_only_a_new_scan(signed_in, alice, cases):
    ready = ready_report(cases, alice)
    assert reports.submission_check(ready).warnings  # 总表 ≠ cases before filling

    confirm(signed_in, cases)

    check = reports.submission_check(fresh(cases))
    assert check.warnings == []
    assert [problem.part for problem in check.problems] == [reports.PART_ATTACHMENT4]
