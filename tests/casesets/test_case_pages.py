"""The case tabs of 查看详情 and the pages of one case: list, filters, pages, 增加病例,
查看, 修改, 删除, 修改记录; read-only reports; bad input."""

import pytest
from django.urls import reverse

from casesets.models import InterventionCase, ThrombolysisCase
from surveys.models import ReportStatus

from .conftest import make_report
from .helpers import at, make_evt, make_ivt

pytestmark = pytest.mark.django_db

IVT_POST = {
    "admission_no": "ZY2025-001",
    "nihss_pre": "10",
    "nihss_discharge": "4",
    "mrs_discharge": "2",
    "thrombolytic_drug": "alteplase",
    "thrombolytic_drug_other": "",
}
EVT_POST = {
    "admission_no": "ZY2025-101",
    "evt_mode": "bridging",
    "nihss_pre": "16",
    "nihss_discharge": "8",
    "mrs_discharge": "3",
}
SUBMITTED_LOCK = "本报告已提交，正在等待审核，不能修改。"


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def tab(report, kind="thrombolysis", **params):
    query = "".join(f"&{k}={v}" for k, v in params.items())
    return f"{reverse('surveys:report_detail', args=[report.public_id])}?tab={kind}{query}"


def case_url(name, case, kind="thrombolysis"):
    return reverse(
        f"casesets:{name}",
        kwargs={"report_id": case.report.public_id, "kind": kind, "case_id": case.public_id},
    )


def add_url(report, kind="thrombolysis"):
    return reverse("casesets:case_add", kwargs={"report_id": report.public_id, "kind": kind})


def listed(response):
    return [case.admission_no for case, _values, _links in response.context["rows"]]


# The tabs --------------------------------------------------------------------------------


def test_detail_has_the_three_tabs_in_order(signed_in, report):
    response = signed_in.get(tab(report))

    labels = [t["label"] for t in response.context["tabs"]]
    assert [str(label) for label in labels] == [
        "总表",
        "单纯静脉溶栓个案登记",
        "血管内介入治疗个案登记",
    ]
    assert [t["active"] for t in response.context["tabs"]] == [False, True, False]


def test_thrombolysis_tab_lists_the_cases_with_the_spec_columns(signed_in, report):
    make_ivt(report, admission_no="A-1", thrombolytic_drug="other", thrombolytic_drug_other="某药")
    make_ivt(report, admission_no="A-2", deleted_at=at(3, 1))
    make_evt(report, admission_no="B-1")

    response = signed_in.get(tab(report))

    html = response.text
    assert response.status_code == 200
    assert "共1条数据" in html
    for header in (
        "住院号",
        "治疗前NIHSS评分",
        "出院时NIHSS评分",
        "溶栓药",
        "其他溶栓药",
        "出院时mRS评分",
    ):
        assert header in html
    assert listed(response) == ["A-1"]
    ((case, cells, links),) = response.context["rows"]
    assert [value for _label, value in cells] == ["A-1", "10", "4", "其他", "某药", "2"]
    assert links == {name: case_url(f"case_{name}", case) for name in ("detail", "edit", "delete")}
    for url in links.values():
        assert f'href="{url}"' in html
    assert "增加病例" in html and add_url(report) in html
    assert "查询" in html


def test_intervention_tab_has_its_own_columns_and_no_drug_filter(signed_in, report):
    make_evt(report, admission_no="B-1", evt_mode="direct")

    response = signed_in.get(tab(report, "intervention"))

    assert listed(response) == ["B-1"]
    ((_case, cells, _links),) = response.context["rows"]
    assert [value for _label, value in cells] == ["B-1", "单纯取栓", "16", "8", "3"]
    assert 'name="drug"' not in response.text
    assert "共1条数据" in response.text


def test_filter_by_partial_admission_number(signed_in, report):
    for number in ("ZY-1001", "ZY-2001", "MZ-1002"):
        make_ivt(report, admission_no=number)

    response = signed_in.get(tab(report, admission_no="100"))

    assert listed(response) == ["ZY-1001", "MZ-1002"]
    assert "共2条数据" in response.text
    assert 'value="100"' in response.text


def test_filter_by_drug_and_unknown_drug_is_ignored(signed_in, report):
    make_ivt(report, admission_no="U-1", thrombolytic_drug="urokinase")
    make_ivt(report, admission_no="A-1", thrombolytic_drug="alteplase")

    assert listed(signed_in.get(tab(report, drug="urokinase"))) == ["U-1"]
    assert listed(signed_in.get(tab(report, drug="nonsense"))) == ["U-1", "A-1"]


def test_a_search_without_match_says_so(signed_in, report):
    make_ivt(report, admission_no="ZY-1")

    response = signed_in.get(tab(report, admission_no="nothing"))

    assert "共0条数据" in response.text
    assert "没有符合条件的病例。" in response.text


def test_pages_of_twenty_and_links_keep_the_filters(signed_in, report):
    ThrombolysisCase.objects.bulk_create(
        ThrombolysisCase(
            report=report,
            admission_no=f"ZY-{i:03}",
            nihss_pre=5,
            mrs_discharge=1,
            thrombolytic_drug="alteplase",
        )
        for i in range(45)
    )

    first = signed_in.get(tab(report, admission_no="ZY", drug="alteplase"))
    third = signed_in.get(tab(report, admission_no="ZY", drug="alteplase", page=3))

    assert "共45条数据" in first.text
    assert len(listed(first)) == 20
    assert listed(third) == ["ZY-040", "ZY-041", "ZY-042", "ZY-043", "ZY-044"]
    assert "第 1 / 3 页" in first.text
    assert "?tab=thrombolysis&amp;admission_no=ZY&amp;drug=alteplase&amp;page=2" in first.text
    # A page out of range shows the last one, never an error.
    assert listed(signed_in.get(tab(report, page=99))) == listed(third)
    assert signed_in.get(tab(report, page="x")).status_code == 200


# 增加病例 ----------------------------------------------------------------------------------


def test_add_a_thrombolysis_case(signed_in, report, alice):
    response = signed_in.post(add_url(report), IVT_POST)

    assert response.status_code == 302
    assert response.url == tab(report)
    case = ThrombolysisCase.objects.get()
    assert (case.report, case.admission_no, case.created_by) == (report, "ZY2025-001", alice)
    assert "已保存" in signed_in.get(response.url).text


def test_add_an_intervention_case_with_its_optional_times(signed_in, report):
    data = {
        **EVT_POST,
        "onset_at": "2025-04-02T07:00",
        "arrival_at": "2025-04-02T08:00",
        "puncture_at": "2025-04-02T09:10",
        "occlusion_sites": ["mca_m1", "tandem"],
    }

    response = signed_in.post(add_url(report, "intervention"), data)

    assert response.status_code == 302
    case = InterventionCase.objects.get()
    assert (case.odt_minutes, case.dpt_minutes, case.opt_minutes) == (60, 70, 130)
    assert case.occlusion_sites == ["mca_m1", "tandem"]


def test_other_drug_requires_its_name(signed_in, report):
    response = signed_in.post(add_url(report), {**IVT_POST, "thrombolytic_drug": "other"})

    assert response.status_code == 200
    assert "溶栓药选择了“其他”，请在其他溶栓药中填写药名。" in response.text
    assert not ThrombolysisCase.objects.exists()


def test_bad_input_is_refused_in_chinese_and_nothing_saved(signed_in, report):
    response = signed_in.post(
        add_url(report), {**IVT_POST, "nihss_pre": "99", "mrs_discharge": "abc", "admission_no": ""}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"nihss_pre", "mrs_discharge", "admission_no"}
    assert "治疗前NIHSS评分" in errors["nihss_pre"][0]
    assert "is-invalid" in response.text
    assert not ThrombolysisCase.objects.exists()


def test_optional_section_opens_for_an_error_in_it(signed_in, report):
    closed = signed_in.get(add_url(report))
    opened = signed_in.post(add_url(report), {**IVT_POST, "mrs_90d": "9"})

    assert "更多临床信息" in closed.text
    assert 'class="collapse" id="optional-fields"' in closed.text
    assert 'class="collapse show" id="optional-fields"' in opened.text


def test_a_duplicate_number_by_hand_asks_then_is_saved(signed_in, report):
    make_ivt(report, admission_no="ZY2025-001")

    asked = signed_in.post(add_url(report), IVT_POST)
    confirmed = signed_in.post(
        add_url(report), {**IVT_POST, "confirm_warnings": "admission_no_duplicate"}
    )

    assert asked.status_code == 200
    assert "已登记过" in asked.text and "已核对，数据无误" in asked.text
    assert confirmed.status_code == 302
    assert ThrombolysisCase.objects.filter(admission_no="ZY2025-001").count() == 2
    stored = ThrombolysisCase.objects.order_by("-pk").first()
    assert stored.confirmed_warnings == ["admission_no_duplicate"]


def test_the_same_number_in_the_other_attachment_is_refused(signed_in, report):
    make_evt(report, admission_no="ZY2025-001")

    response = signed_in.post(
        add_url(report), {**IVT_POST, "confirm_warnings": "admission_no_duplicate"}
    )

    assert response.status_code == 200
    assert "已登记在本报告的血管内介入治疗个案中" in response.text
    assert not ThrombolysisCase.objects.exists()


# 查看, 修改, 删除, 修改记录 ----------------------------------------------------------------


def test_view_shows_fields_and_derived_intervals(signed_in, report):
    case = make_ivt(report, onset_at=at(3, 1, 8), arrival_at=at(3, 1, 9), needle_at=at(3, 1, 9, 40))

    response = signed_in.get(case_url("case_detail", case))

    assert response.status_code == 200
    intervals = dict((str(label), minutes) for label, minutes in response.context["intervals"])
    assert intervals == {
        "ODT（发病至到院，分钟）": 60,
        "DNT（到院至溶栓，分钟）": 40,
        "ONT（发病至溶栓，分钟）": 100,
    }
    assert "阿替普酶" in response.text and "2025-03-01 09:40" in response.text
    assert case_url("case_edit", case) in response.text
    # The intervals are never typed.
    form = signed_in.get(case_url("case_edit", case)).context["form"]
    assert not {"dnt_minutes", "odt_minutes", "ont_minutes"} & set(form.fields)


def test_edit_changes_the_case_and_history_shows_old_and_new(signed_in, report, alice):
    signed_in.post(add_url(report), IVT_POST)
    case = ThrombolysisCase.objects.get()

    response = signed_in.post(case_url("case_edit", case), {**IVT_POST, "nihss_pre": "12"})

    assert response.status_code == 302
    assert response.url == case_url("case_detail", case)
    case.refresh_from_db()
    assert (case.nihss_pre, case.updated_by) == (12, alice)
    history = signed_in.get(case_url("case_history", case))
    revisions = history.context["revisions"]
    assert [r.action for r in revisions] == ["修改", "新增"]
    (change,) = revisions[0].changes
    assert (change.label, change.old, change.new) == ("治疗前NIHSS评分", "10", "12")
    assert "爱丽丝" in history.text or alice.username in history.text


def test_edit_form_shows_the_stored_values(signed_in, report):
    case = make_ivt(report, admission_no="EDIT-1", weight_kg=61)

    response = signed_in.get(case_url("case_edit", case))

    assert 'value="EDIT-1"' in response.text
    assert 'class="collapse show" id="optional-fields"' in response.text


def test_delete_asks_then_hides_the_case(signed_in, report, alice):
    case = make_ivt(report)

    confirm = signed_in.get(case_url("case_delete", case))
    response = signed_in.post(case_url("case_delete", case))

    assert "确定要删除单纯静脉溶栓个案“住院号 ZY2025-001”吗？" in confirm.text
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.is_deleted and case.deleted_by == alice
    assert "共0条数据" in signed_in.get(tab(report)).text
    assert signed_in.get(case_url("case_detail", case)).status_code == 404


def test_a_case_of_another_report_or_attachment_is_404(signed_in, report, alice):
    other_year = make_report(alice.institution, data_year=2024)
    case = make_ivt(other_year)
    wrong = reverse(
        "casesets:case_detail",
        kwargs={"report_id": report.public_id, "kind": "thrombolysis", "case_id": case.public_id},
    )
    evt = make_evt(report)

    assert signed_in.get(wrong).status_code == 404
    assert signed_in.get(case_url("case_detail", evt, kind="thrombolysis")).status_code == 404
    assert signed_in.get(case_url("case_detail", evt, kind="intervention")).status_code == 200


def test_another_institution_gets_404(client, bob, report):
    case = make_ivt(report)
    client.force_login(bob)

    assert client.get(tab(report)).status_code == 404
    assert client.get(case_url("case_detail", case)).status_code == 404
    assert client.post(case_url("case_delete", case)).status_code == 404
    assert not ThrombolysisCase.objects.get().is_deleted


# Read-only reports -----------------------------------------------------------------------


@pytest.fixture
def submitted(alice, open_window):
    return make_report(alice.institution, created_by=alice, status=ReportStatus.SUBMITTED)


def test_a_submitted_report_lists_and_shows_cases_without_changes(signed_in, submitted):
    case = make_ivt(submitted)

    listing = signed_in.get(tab(submitted))
    view = signed_in.get(case_url("case_detail", case))

    assert listed(listing) == ["ZY2025-001"]
    assert add_url(submitted) not in listing.text
    assert case_url("case_edit", case) not in listing.text
    assert case_url("case_delete", case) not in listing.text
    assert view.status_code == 200
    assert case_url("case_edit", case) not in view.text
    assert SUBMITTED_LOCK in view.text


@pytest.mark.parametrize("page", ["add", "edit", "delete"])
def test_a_submitted_report_refuses_changes_with_the_lock_message(signed_in, submitted, page):
    case = make_ivt(submitted)
    url = {
        "add": add_url(submitted),
        "edit": case_url("case_edit", case),
        "delete": case_url("case_delete", case),
    }[page]

    response = signed_in.post(url, {**IVT_POST, "nihss_pre": "12"}, follow=True)

    assert response.redirect_chain[0][0] == tab(submitted)
    assert SUBMITTED_LOCK in response.text
    assert list(ThrombolysisCase.objects.values_list("nihss_pre", "deleted_at")) == [(10, None)]


def test_a_legacy_report_is_read_only_but_its_cases_are_viewable(signed_in, alice, open_window):
    legacy = make_report(alice.institution, created_by=alice, status=ReportStatus.LEGACY)
    case = make_evt(legacy)

    listing = signed_in.get(tab(legacy, "intervention"))

    assert listed(listing) == ["ZY2025-101"]
    assert add_url(legacy, "intervention") not in listing.text
    assert signed_in.get(case_url("case_detail", case, "intervention")).status_code == 200
    assert signed_in.get(case_url("case_history", case, "intervention")).status_code == 200
    assert signed_in.get(add_url(legacy, "intervention")).status_code == 302
    assert not InterventionCase.objects.filter(report=legacy).exclude(pk=case.pk).exists()


def test_a_report_whose_window_closed_refuses_adding(signed_in, report, open_window):
    open_window.closes_on = open_window.opens_on
    open_window.save()

    response = signed_in.post(add_url(report), IVT_POST, follow=True)

    assert "已经截止" in response.text
    assert not ThrombolysisCase.objects.exists()


def test_a_refusal_of_the_services_is_shown_above_the_form(signed_in, report, monkeypatch):
    """The services re-check under the report lock (a colleague may just have entered the
    same 住院号): their refusal is shown on the form, nothing is stored."""
    from casesets import services

    def refuse(**kwargs):
        raise services.ReportError("住院号“ZY2025-001”已登记在本报告的血管内介入治疗个案中。")

    monkeypatch.setattr(services, "add_case", refuse)

    response = signed_in.post(add_url(report), IVT_POST)

    assert response.status_code == 200
    assert "已登记在本报告的血管内介入治疗个案中" in response.text
    assert not ThrombolysisCase.objects.exists()


def test_save_and_add_another_returns_to_an_empty_form(signed_in, report):
    response = signed_in.post(add_url(report), {**IVT_POST, "save_and_add": ""}, follow=True)

    assert response.redirect_chain == [(add_url(report), 302)]
    assert "病例（住院号 ZY2025-001）已保存。" in response.text
    assert 'value="ZY2025-001"' not in response.text
    assert ThrombolysisCase.objects.count() == 1
