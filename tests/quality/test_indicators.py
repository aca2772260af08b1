"""质控 indicators (issue 23 items 1 and 4): each indicator on hand-made cases with known
answers, the exclusions and completeness, small-sample suppression, which reports count,
and the recomputation after a change."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from binding.services import bind_legacy_record, unbind_legacy_record
from casesets import services as case_services
from casesets.models import InterventionCase, ThrombolysisCase
from excel_templates import services as import_services
from quality import benchmarks, services
from quality.benchmarks import INSUFFICIENT
from quality.compute import compute_indicators
from quality.indicators import BY_CODE, INDICATORS, SURVEY
from quality.models import ReportIndicators, counts_in_benchmarks
from surveys import reports
from surveys.models import Report, ReportStatus
from tests.binding.helpers import make_record
from tests.casesets.conftest import make_report
from tests.casesets.helpers import EVT_CORE, IVT_CORE, at, make_evt, make_ivt
from tests.excel_templates.files import many_cases
from tests.factories import InstitutionFactory

DAY = datetime.timedelta(days=1)


def door_needle(day, dnt, onset=None):
    """到院 09:00 on 1 March + ``day``, 溶栓 ``dnt`` minutes later, 发病 at ``onset``."""
    arrival = at(3, 1, 9, 0) + day * DAY
    fields = {"arrival_at": arrival, "needle_at": arrival + datetime.timedelta(minutes=dnt)}
    if onset is not None:
        fields["onset_at"] = arrival - datetime.timedelta(minutes=onset)
    return fields


@pytest.fixture
def ivt_report(report):
    """Six live 溶栓 cases and a deleted one, with known answers (see the tests)."""
    rows = [
        # DNT 30, ONT 90; mRS 1; NIHSS 10 → 4 (improved); sICH 否; 90-day mRS 1
        dict(door_needle(0, 30, onset=60), mrs_discharge=1, nihss_discharge=4, sich="no",
             mrs_90d=1),
        # DNT 40, ONT 100; mRS 2; NIHSS 10 → 8 (not improved); sICH 是; 90-day mRS 3
        dict(door_needle(1, 40, onset=60), mrs_discharge=2, nihss_discharge=8, sich="yes",
             mrs_90d=3),
        # DNT 50, 发病时间不明确; mRS 3; NIHSS 10 → 0 (recovered); sICH 未复查
        dict(door_needle(2, 50), onset_unknown=True, mrs_discharge=3, nihss_discharge=0,
             sich="not_reviewed"),
        # DNT 70, ONT 100; died (mRS 6, no discharge NIHSS); 90-day mRS 6
        dict(door_needle(3, 70, onset=30), mrs_discharge=6, nihss_discharge=None, mrs_90d=6),
        # DNT 300: implausible (the dnt_plausible warning), left out of DNT; ONT 360 stays
        dict(door_needle(4, 300, onset=60), mrs_discharge=0, nihss_pre=5, nihss_discharge=5,
             sich="no"),
        # no times at all; mRS 2; NIHSS 4 → 0
        dict(mrs_discharge=2, nihss_pre=4, nihss_discharge=0),
    ]  # fmt: skip
    for number, fields in enumerate(rows, start=1):
        make_ivt(report, admission_no=f"IVT{number}", **fields)
    make_ivt(report, admission_no="GONE", deleted_at=timezone.now(), **door_needle(5, 10))
    return report


@pytest.fixture
def evt_report(report):
    rows = [
        # bridging; DPT 70, OPT 130; mRS 3; mTICI 2b; sICH 否
        dict(evt_mode="bridging", onset_at=at(4, 2, 7), arrival_at=at(4, 2, 8),
             puncture_at=at(4, 2, 9, 10), mrs_discharge=3, mtici="2b", sich="no"),
        # direct; DPT 100, OPT 220; mRS 2; mTICI 1; sICH 是
        dict(evt_mode="direct", onset_at=at(4, 3, 6), arrival_at=at(4, 3, 8),
             puncture_at=at(4, 3, 9, 40), mrs_discharge=2, mtici="1", sich="yes"),
        # direct; DPT 50; onset two days before: OPT > 24 h (the evt_within_24h warning)
        dict(evt_mode="direct", onset_at=at(4, 2, 6), arrival_at=at(4, 4, 8),
             puncture_at=at(4, 4, 8, 50), mrs_discharge=6, nihss_discharge=None,
             sich="not_reviewed"),
        # bridging; no times; mRS 0; mTICI 3
        dict(evt_mode="bridging", mrs_discharge=0, mtici="3"),
    ]  # fmt: skip
    for number, fields in enumerate(rows, start=1):
        make_evt(report, admission_no=f"EVT{number}", **fields)
    return report


def computed(report, code):
    return compute_indicators(report)[code]


# 溶栓 (附件3) ---------------------------------------------------------------------------------


def test_the_thrombolysis_count_leaves_deleted_cases_out(ivt_report):
    assert computed(ivt_report, "ivt_cases")["value"] == 6


def test_dnt_median_and_iqr_leave_the_implausible_interval_out(ivt_report):
    dnt = computed(ivt_report, "ivt_dnt_median")

    # DNT 30, 40, 50, 70 (300 excluded; one case without times): inclusive quartiles.
    assert (dnt["value"], dnt["q1"], dnt["q3"]) == (45, 37.5, 55)
    assert (dnt["eligible"], dnt["filled"], dnt["excluded"], dnt["n"]) == (6, 5, 1, 4)


def test_dnt_within_60_and_45_minutes(ivt_report):
    within_60 = computed(ivt_report, "ivt_dnt_le60")
    within_45 = computed(ivt_report, "ivt_dnt_le45")

    assert (within_60["numerator"], within_60["denominator"], within_60["value"]) == (3, 4, 75)
    assert (within_45["numerator"], within_45["denominator"], within_45["value"]) == (2, 4, 50)


def test_ont_leaves_unknown_onset_out_of_its_population(ivt_report):
    ont = computed(ivt_report, "ivt_ont_median")

    # ONT 90, 100, 100, 360; the 发病时间不明确 case is not eligible, the timeless one not filled.
    assert (ont["value"], ont["q1"], ont["q3"]) == (100, 97.5, 165)
    assert (ont["eligible"], ont["filled"], ont["n"]) == (5, 4, 4)


def test_sich_counts_only_cases_answered_yes_or_no(ivt_report):
    sich = computed(ivt_report, "ivt_sich")

    assert (sich["numerator"], sich["denominator"]) == (1, 3)
    assert sich["value"] == pytest.approx(100 / 3)
    assert (sich["eligible"], sich["filled"], sich["excluded"]) == (6, 4, 1)


def test_discharge_outcomes(ivt_report):
    values = compute_indicators(ivt_report)

    assert values["ivt_mrs_0_2"]["value"] == pytest.approx(4 * 100 / 6)
    assert values["ivt_death"]["value"] == pytest.approx(100 / 6)
    assert (values["ivt_nihss_improved"]["numerator"], values["ivt_nihss_improved"]["n"]) == (3, 6)


def test_ninety_day_mrs_over_the_cases_that_recorded_it(ivt_report):
    mrs90 = computed(ivt_report, "ivt_mrs90_0_2")

    assert (mrs90["numerator"], mrs90["denominator"], mrs90["eligible"]) == (1, 3, 6)


def test_an_empty_report_has_no_median(report):
    dnt = computed(report, "ivt_dnt_median")

    assert dnt["value"] is None and dnt["n"] == 0 and dnt["eligible"] == 0


def test_a_single_value_is_its_own_median_and_quartiles(report):
    make_ivt(report, **door_needle(0, 42))

    dnt = computed(report, "ivt_dnt_median")

    assert (dnt["value"], dnt["q1"], dnt["q3"]) == (42, 42, 42)


# 介入 (附件2) ---------------------------------------------------------------------------------


def test_dpt_median_and_iqr(evt_report):
    dpt = computed(evt_report, "evt_dpt_median")

    assert (dpt["value"], dpt["q1"], dpt["q3"]) == (70, 60, 85)
    assert (dpt["eligible"], dpt["filled"], dpt["n"]) == (4, 3, 3)


def test_opt_leaves_out_the_case_flagged_beyond_24_hours(evt_report):
    opt = computed(evt_report, "evt_opt_median")

    assert (opt["value"], opt["q1"], opt["q3"]) == (175, 152.5, 197.5)
    assert (opt["filled"], opt["excluded"]) == (3, 1)


def test_intervention_outcomes_and_bridging_share(evt_report):
    values = compute_indicators(evt_report)

    assert values["evt_cases"]["value"] == 4
    assert values["evt_mrs_0_2"]["value"] == 50
    assert values["evt_death"]["value"] == 25
    assert values["evt_bridging"]["value"] == 50
    assert (values["evt_mtici_2b3"]["numerator"], values["evt_mtici_2b3"]["denominator"]) == (
        2,
        3,
    )
    assert (values["evt_sich"]["numerator"], values["evt_sich"]["denominator"]) == (1, 2)


# 总表 rates ---------------------------------------------------------------------------------


SURVEY_VALUES = {"ci_discharges": 400, "ivt_total": 20, "evt_total": 10, "ci_deaths": 8}


def test_survey_rates_use_the_reports_own_items(report):
    report.values = SURVEY_VALUES
    values = compute_indicators(report)

    assert values["survey_reperfusion_rate"]["value"] == 7.5
    assert values["survey_ivt_rate"]["value"] == 5
    assert values["survey_evt_rate"]["value"] == 2.5
    assert values["survey_ci_death_rate"]["value"] == 2


def test_a_blank_survey_item_is_not_zero(report):
    report.values = {**SURVEY_VALUES, "ci_deaths": None}

    rate = computed(report, "survey_ci_death_rate")

    assert rate["value"] is None and (rate["eligible"], rate["filled"]) == (1, 0)


def test_the_legacy_2018_edition_has_the_items_too(report):
    report.edition = "2018"
    report.values = SURVEY_VALUES

    assert computed(report, "survey_reperfusion_rate")["value"] == 7.5


# The declarations -----------------------------------------------------------------------------


def test_every_indicator_cites_its_source_and_says_which_way_is_better():
    for indicator in INDICATORS:
        assert indicator.source and indicator.definition and indicator.name
        assert indicator.direction in ("lower", "higher", "neutral")
        if indicator.source_kind == SURVEY:
            assert indicator.survey_denominator
        else:
            assert set(indicator.inputs) <= set(indicator.reads)


def test_targets_are_those_of_the_guidelines():
    assert BY_CODE["ivt_dnt_median"].target.met(55) is True
    assert BY_CODE["ivt_dnt_median"].target.met(61) is False
    assert BY_CODE["evt_dpt_median"].target.value == 90


# Query count and speed ------------------------------------------------------------------------


@pytest.mark.parametrize("cases", [2, 40])
def test_compute_takes_two_queries_whatever_the_number_of_cases(
    report, cases, django_assert_num_queries
):
    for n in range(cases):
        make_ivt(report, admission_no=f"Q{n}", **door_needle(0, 30 + n))
        make_evt(report, admission_no=f"E{n}")

    with django_assert_num_queries(2):
        compute_indicators(report)


def test_a_20000_case_report_computes_in_well_under_a_second(report, capsys):
    base = {**IVT_CORE, "sich": "no", "mrs_90d": 2}
    cases = []
    for n in range(20_000):
        case = ThrombolysisCase(
            report=report, **{**base, "admission_no": f"P{n}"}, **door_needle(n % 300, n % 200)
        )
        case.compute_intervals()
        cases.append(case)
    ThrombolysisCase.objects.bulk_create(cases, batch_size=2000)

    started = time.perf_counter()
    values = compute_indicators(report)
    elapsed = time.perf_counter() - started

    with capsys.disabled():
        print(f"\ncompute_indicators on 20,000 cases: {elapsed * 1000:.0f} ms")
    assert values["ivt_cases"]["value"] == 20_000
    assert elapsed < 1.0


# Which reports count (the one rule) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counted"),
    [
        (ReportStatus.DRAFT, False),
        (ReportStatus.SUBMITTED, False),
        (ReportStatus.PROVINCIAL, False),
        (ReportStatus.RETURNED, False),
        (ReportStatus.APPROVED, True),
        (ReportStatus.LEGACY, True),
    ],
)
def test_only_approved_and_legacy_reports_count(status, counted):
    assert counts_in_benchmarks(Report(status=status)) is counted


def test_a_deleted_report_does_not_count():
    deleted = Report(status=ReportStatus.APPROVED, deleted_at=timezone.now())

    assert counts_in_benchmarks(deleted) is False


def test_the_counted_queryset_holds_the_counted_reports(alice, bob):
    draft = make_report(alice.institution)
    approved = make_report(bob.institution, status=ReportStatus.APPROVED)
    services.recompute_report(draft.pk)
    services.recompute_report(approved.pk)

    assert list(ReportIndicators.objects.counted().values_list("report_id", flat=True)) == [
        approved.pk
    ]
    assert ReportIndicators.objects.get(report=draft).is_provisional


def test_the_backfill_command_computes_the_years_reports(report, capsys):
    call_command("recompute_indicators", "--year", str(report.data_year))

    assert ReportIndicators.objects.filter(report=report).exists()
    assert "1 份报告" in capsys.readouterr().out


def test_the_row_keeps_the_province_and_city_of_the_institution(report):
    row = services.recompute_report(report.pk)

    assert (row.region_code, row.province_code, row.city_code) == ("110101", "110000", "110100")
    assert row.data_year == report.data_year and row.institution_id == report.institution_id


# Recomputed when cases or state change ----------------------------------------------------


@pytest.fixture
def live_report(alice, open_window, django_capture_on_commit_callbacks):
    """A report whose own creation was recomputed already (its on-commit callback ran), so
    the tests see the callbacks of the change they make."""
    with django_capture_on_commit_callbacks(execute=True):
        return make_report(alice.institution, created_by=alice)


def test_adding_and_editing_a_case_recomputes_the_report(
    live_report, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = case_services.add_case(
            report=live_report, case=ThrombolysisCase(**IVT_CORE, **door_needle(0, 50)),
            user=alice,
        )  # fmt: skip
    assert ReportIndicators.objects.get(report=live_report).values["ivt_dnt_median"]["value"] == 50

    case.needle_at = case.arrival_at + datetime.timedelta(minutes=35)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.update_case(case=case, user=alice)

    assert ReportIndicators.objects.get(report=live_report).values["ivt_dnt_median"]["value"] == 35


def test_deleting_a_case_recomputes_the_report(
    live_report, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = case_services.add_case(
            report=live_report, case=InterventionCase(**EVT_CORE), user=alice
        )
    with django_capture_on_commit_callbacks(execute=True):
        case_services.delete_case(case=case, user=alice)

    assert ReportIndicators.objects.get(report=live_report).values["evt_cases"]["value"] == 0


def test_approval_makes_the_report_count(alice, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = make_report(alice.institution, status=ReportStatus.SUBMITTED)
    assert not ReportIndicators.objects.get(report=submitted).counted

    with django_capture_on_commit_callbacks(execute=True):
        reports.approve_report(submitted, auditor)

    row = ReportIndicators.objects.get(report=submitted)
    assert row.counted and row.report_status == ReportStatus.APPROVED


def test_a_change_after_a_rolled_back_savepoint_still_recomputes(
    live_report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_ivt(live_report, admission_no="UNDONE")
            raise RuntimeError
        assert callbacks == []  # the rolled-back savepoint took its callback with it
        make_ivt(live_report, admission_no="KEPT")

    assert [callback.report_id for callback in callbacks] == [live_report.pk]


@pytest.fixture
def count_recomputes(monkeypatch):
    calls = []
    original = services.recompute_report

    def counting(report_id):
        calls.append(report_id)
        return original(report_id)

    monkeypatch.setattr(services, "recompute_report", counting)
    return calls


def test_a_1000_case_import_recomputes_once(
    live_report, alice, count_recomputes, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("附件3.xlsx", many_cases(3, live_report.data_year, 1000))
    batch = import_services.upload(live_report, 3, upload, alice)
    with django_capture_on_commit_callbacks(execute=True):
        import_services.confirm(batch, alice)

    assert count_recomputes == [live_report.pk]
    row = ReportIndicators.objects.get(report=live_report)
    assert row.values["ivt_cases"]["value"] == 1000


def test_many_saves_in_one_transaction_recompute_once(
    live_report, count_recomputes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            make_ivt(live_report, admission_no=f"M{n}")
        live_report.save()

    assert count_recomputes == [live_report.pk]


def test_bound_legacy_data_counts_with_its_cases(alice, django_capture_on_commit_callbacks):
    record = make_record("甲医院", 2018)
    with django_capture_on_commit_callbacks(execute=True):
        legacy = bind_legacy_record(record, alice.institution, alice)

    row = ReportIndicators.objects.get(report=legacy)
    assert row.counted and row.data_year == 2018
    assert (row.values["ivt_cases"]["value"], row.values["evt_cases"]["value"]) == (3, 1)
    assert [year for year, _v, _c in benchmarks.trend(alice.institution_id, "ivt_cases")] == [2018]

    with django_capture_on_commit_callbacks(execute=True):
        unbind_legacy_record(record, alice.institution, alice)

    assert not ReportIndicators.objects.get(report=legacy).counted


# Benchmarks and small samples ---------------------------------------------------------------


def counted_row(value, *, n=10, year=2025, counted=True, region="110101"):
    from tests.factories import region as make_region

    institution = InstitutionFactory(region=make_region(region))
    report = make_report(institution, data_year=year, status=ReportStatus.APPROVED)
    return ReportIndicators.objects.create(
        report=report,
        data_year=year,
        institution=institution,
        region_code=region,
        province_code=region[:2] + "0000",
        city_code=region[:4] + "00",
        report_status=ReportStatus.APPROVED,
        counted=counted,
        values={"ivt_dnt_median": {"value": value, "n": n}},
        computed_at=timezone.now(),
    )


def test_the_group_median_and_the_hospitals_percentile(db):
    rows = [counted_row(v) for v in (40, 50, 60, 70, 80)]

    comparison = benchmarks.compare(rows[2], "ivt_dnt_median")

    assert comparison.national.median == 60 and comparison.national.hospitals == 5
    assert comparison.national_percentile == 50
    assert comparison.provincial.scope == "110000" and comparison.provincial.median == 60


def test_fewer_than_five_hospitals_is_too_small_a_group(db):
    rows = [counted_row(v) for v in (40, 50, 60, 70)]

    comparison = benchmarks.compare(rows[0], "ivt_dnt_median")

    assert comparison.national.median is INSUFFICIENT
    assert comparison.national_percentile is INSUFFICIENT
    assert str(INSUFFICIENT) == "样本不足"


def test_a_hospital_value_from_fewer_than_five_cases_is_not_shown(db):
    rows = [counted_row(v) for v in (40, 50, 60, 70, 80)]
    few = counted_row(30, n=4)

    comparison = benchmarks.compare(few, "ivt_dnt_median")

    assert comparison.value is INSUFFICIENT
    assert comparison.national.hospitals == 5  # its own value is left out of the group too
    assert (
        benchmarks.group(2025, "ivt_dnt_median").median == rows[2].values["ivt_dnt_median"]["value"]
    )


def test_uncounted_rows_stay_out_of_the_group_but_are_shown_as_provisional(db):
    for v in (40, 50, 60, 70, 80):
        counted_row(v)
    draft = counted_row(10, counted=False)

    comparison = benchmarks.compare(draft, "ivt_dnt_median")

    assert comparison.provisional and comparison.value == 10
    assert comparison.national.hospitals == 5 and comparison.national_percentile == 0


def test_a_province_is_compared_within_itself(db):
    for v in (40, 50, 60, 70, 80):
        counted_row(v)
    gd = [counted_row(v, region="440106") for v in (20, 21, 22)]

    comparison = benchmarks.compare(gd[0], "ivt_dnt_median")

    assert comparison.national.hospitals == 8
    assert comparison.provincial.scope == "440000" and comparison.provincial.suppressed


@pytest.mark.parametrize("hospitals", [5, 15])
def test_comparing_takes_one_query_whatever_the_number_of_hospitals(
    db, hospitals, django_assert_num_queries
):
    rows = [counted_row(40 + n) for n in range(hospitals)]

    with django_assert_num_queries(1):
        benchmarks.compare(rows[0], "ivt_dnt_median")
